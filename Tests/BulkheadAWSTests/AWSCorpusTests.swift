import BulkheadAWS
import BulkheadCore
import Foundation
import Testing

enum AWSCorpus {
    /// `../shared/corpus` beside the repository, as CI lays it out.
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    struct Label: Decodable {
        var file: String
        var check: String
        var expect: String
        var resource: String?
    }

    static func labels(_ folder: String) throws -> [Label] {
        let text = try String(contentsOf: root.appendingPathComponent("\(folder)/expected.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Label.self, from: Data($0.utf8)) }
    }
}

/// Our verdicts against Checkov's labelled CloudFormation fixtures (its own unit-test
/// expectations), for the checks that mean the same thing.
@Suite("AWS labelled corpora")
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
    ]

    @Test func agreesWithCheckovCloudFormationFixtures() throws {
        let folder = "checkov-cloudformation-aws"
        let labels = try AWSCorpus.labels(folder)
        let scanner = Scanner(registry: AWSChecks.registry)
        var results: [String: ScanResult] = [:]
        var agreed = 0, compared = 0
        var disagreements: [String] = []
        for label in labels {
            guard let check = Self.checkovCloudFormation[label.check] else { continue }
            let path = AWSCorpus.root.appendingPathComponent("\(folder)/\(label.file)").path
            let result = results[path] ?? scanner.scan(InputDiscovery.discover([path]).inputs)
            results[path] = result
            #expect(result.errors.isEmpty, "\(label.file): \(result.errors)")
            let resourceID = label.resource.map { String($0.split(separator: ".", maxSplits: 1).last ?? "") }
            let ours = result.findings.contains { $0.checkID == check && (resourceID == nil || $0.resource.name == resourceID) }
            let unknown = result.notAssessed.contains { $0.checkID == check && (resourceID == nil || $0.resource.name == resourceID) }
            compared += 1
            let key = "\(label.file) \(label.resource ?? "") \(label.check)"
            if (ours ? "fail" : "pass") == label.expect && !unknown {
                agreed += 1
            } else if Self.explained[key] == nil {
                disagreements.append("\(key): expected \(label.expect), ours \(unknown ? "not assessed" : ours ? "fail" : "pass")")
            }
        }
        let rate = Double(agreed) / Double(max(compared, 1))
        print("checkov CloudFormation: \(agreed)/\(compared) agree (\(String(format: "%.1f", rate * 100)) %)")
        #expect(compared >= 70)
        #expect(rate >= 0.95, "agreement \(agreed)/\(compared): \(disagreements)")
        #expect(disagreements.isEmpty, "unexplained: \(disagreements)")
    }
}
