import BulkheadAWS
import BulkheadCore
import BulkheadTestSupport
import Foundation
import Testing

/// Our verdicts against Checkov's labelled CloudFormation fixtures (its own unit-test
/// expectations), for the checks that mean the same thing.
@Suite("AWS labelled corpora", .enabled(if: Shared.hasCorpus, Shared.noCorpus))
struct AWSCorpusTests {
    static let checkovCloudFormation: [String: String] = [
        "CKV_AWS_7": "kmsKeyRotationDisabled", "CKV_AWS_33": "kmsKeyPolicyPublic",
        "CKV_AWS_35": "cloudtrailNotKMSEncrypted", "CKV_AWS_36": "cloudtrailLogValidationDisabled", "CKV_AWS_67": "cloudtrailNotMultiRegion",
        "CKV_AWS_32": "ecrRepositoryPublic", "CKV_AWS_51": "ecrMutableTags", "CKV_AWS_136": "ecrNotKMSEncrypted", "CKV_AWS_163": "ecrScanOnPushDisabled",
        "CKV_AWS_58": "eksSecretsEncryption", "CKV_AWS_100": "nodegroupSSHFromInternet",
        "CKV_AWS_40": "iamPolicyOnUser", "CKV_AWS_60": "iamRoleTrustsEveryone", "CKV_AWS_61": "iamRoleTrustsWholeAccount",
        "CKV_AWS_62": "iamAdminPolicy", "CKV_AWS_63": "iamStarAction",
        "CKV_AWS_149": "secretNotCMKEncrypted", "CKV_AWS_158": "logGroupNotKMSEncrypted",
    ]

    /// Labels where we disagree with Checkov on purpose, with the reason.
    static let explained: [String: String] = [
        "example_EKSSecretEncryption/EKSSecretEncryption-PASSED.yml AWS::EKS::Cluster.myCluster CKV_AWS_58":
            "EncryptionConfig names `secrets` but has no Provider.KeyArn: nothing encrypts them (EKS rejects such a config); Checkov looks only at Resources",
        "example_EKSPublicAccessCIDR/main.tf aws_eks_cluster.disabled CKV_AWS_38":
            "`endpoint_public_access = False` is not a boolean in Terraform (a reference to nothing; Terraform rejects it): we report it not assessed",
        "example_IAMAdminPolicyDocument/iam.tf aws_iam_policy.fail4 CKV_AWS_62":
            "a statement without Effect is invalid (IAM rejects the policy) and allows nothing; Checkov reads it as Allow",
        "example_SecretManagerSecret90days/main.tf aws_secretsmanager_secret_rotation.fail_2 CKV_AWS_304":
            "`automatically_after_days = var.days` with no default: the period is unknown before apply, so not assessed (Checkov fails it)",
        "files/terraform/aws/ec2.tf aws_security_group.web-node CKV_AWS_25":
            "our securityGroupAdminPortsOpen covers 22, 3389 and all ports in one check: web-node opens 22 to the internet (Checkov's CKV_AWS_24 fails it too), not 3389",
    ]

    static let checkovTerraform: [String: String] = [
        "CKV_AWS_7": "kmsKeyRotationDisabled", "CKV_AWS_33": "kmsKeyPolicyPublic",
        "CKV_AWS_35": "cloudtrailNotKMSEncrypted", "CKV_AWS_251": "cloudtrailLoggingOff",
        "CKV_AWS_32": "ecrRepositoryPublic", "CKV_AWS_51": "ecrMutableTags",
        "CKV_AWS_37": "eksControlPlaneLogging", "CKV_AWS_38": "eksPublicEndpoint", "CKV_AWS_339": "eksUnsupportedVersion",
        "CKV_AWS_40": "iamPolicyOnUser", "CKV_AWS_61": "iamRoleTrustsWholeAccount", "CKV_AWS_62": "iamAdminPolicy",
        "CKV_AWS_274": "iamAdminManagedPolicy",
        "CKV_AWS_149": "secretNotCMKEncrypted", "CKV_AWS_304": "secretRotationTooSlow", "CKV_AWS_158": "logGroupNotKMSEncrypted",
    ]

    @Test func agreesWithCheckovCloudFormationFixtures() throws {
        try agreement("checkov-cloudformation-aws", Self.checkovCloudFormation, minimum: 70)
    }

    @Test func agreesWithCheckovTerraformFixtures() throws {
        try agreement("checkov-terraform-aws", Self.checkovTerraform, minimum: 60)
    }

    /// terragoat's labels are Checkov's own output (not ground truth), on a deliberately weak stack.
    static let checkovTerragoat: [String: String] = checkovTerraform.merging([
        "CKV_AWS_58": "eksSecretsEncryption", "CKV_AWS_136": "ecrNotKMSEncrypted", "CKV_AWS_163": "ecrScanOnPushDisabled",
        "CKV_AWS_60": "iamRoleTrustsEveryone", "CKV_AWS_63": "iamStarAction",
        "CKV_AWS_24": "securityGroupAdminPortsOpen", "CKV_AWS_25": "securityGroupAdminPortsOpen",
        "CKV_AWS_145": "s3BucketNotKMSEncrypted", "CKV2_AWS_6": "s3PublicAccessNotBlocked", "CKV_AWS_3": "ebsVolumeUnencrypted",
        "CKV2_AWS_11": "vpcFlowLogsDisabled",
    ]) { ours, _ in ours }

    @Test func agreesWithCheckovOnTerragoat() throws {
        try agreement("terragoat-aws", Self.checkovTerragoat, minimum: 40, scanWhole: "files/terraform/aws")
    }

    func agreement(_ folder: String, _ mapping: [String: String], minimum: Int, scanWhole: String? = nil) throws {
        let labels = try Corpus.labels(folder)
        let scanner = Scanner(registry: AWSChecks.registry)
        var results: [String: ScanResult] = [:]
        var agreed = 0, compared = 0
        var disagreements: [String] = []
        for label in labels {
            guard let check = mapping[label.check] else { continue }
            // A whole module is scanned at once (its files reference each other); fixtures one file at a time.
            let path = Corpus.root.appendingPathComponent("\(folder)/\(scanWhole ?? label.file)").path
            let result = results[path] ?? scanner.scan(InputDiscovery.discover([path], extensions: AWSChecks.registry.fileExtensions).inputs)
            results[path] = result
            #expect(result.errors.isEmpty, "\(label.file): \(result.errors)")
            let resourceID = label.resource.map { String($0.split(separator: ".", maxSplits: 1).last ?? "") }
            let ours = result.findings.contains { $0.checkID == check && (resourceID == nil || $0.resource.name == resourceID || $0.resource.name == label.resource) }
            let unknown = result.notAssessed.contains { $0.checkID == check && (resourceID == nil || $0.resource.name == resourceID || $0.resource.name == label.resource) }
            compared += 1
            let key = "\(label.file) \(label.resource ?? "") \(label.check)"
            if (ours ? "fail" : "pass") == label.expect && !unknown {
                agreed += 1
            } else if Self.explained[key] == nil {
                disagreements.append("\(key): expected \(label.expect), ours \(unknown ? "not assessed" : ours ? "fail" : "pass")")
            }
        }
        let rate = Double(agreed) / Double(max(compared, 1))
        print("\(folder): \(agreed)/\(compared) agree (\(String(format: "%.1f", rate * 100)) %)")
        #expect(compared >= minimum)
        #expect(rate >= 0.95, "agreement \(agreed)/\(compared): \(disagreements)")
        #expect(disagreements.isEmpty, "unexplained: \(disagreements)")
    }
}
