import BulkheadTestSupport
import Foundation
import Testing

/// `bulkhead aws scan` against the local AWS emulator (moto, from ../shared/aws-emulator) that
/// scripts/test starts and seeds with a hardened and a weak account; BULKHEAD_MOTO_SEED names
/// the seed directory (credentials, config, manifest.json).
@Suite("AWS live scan", .serialized)
struct AWSLiveTests {
    /// Fixtures/aws_standin.py: an endpoint that answers STS and then HTML errors, or nothing.
    static let standIn = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/aws_standin.py")

    static var seed: URL? {
        ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"].map { URL(fileURLWithPath: $0) }
    }

    func scan(_ profile: String) throws -> (status: Int32, report: [String: Any], stderr: String) {
        let seed = try #require(Self.seed, "BULKHEAD_MOTO_SEED is not set: run the tests with scripts/test, which starts and seeds the emulator")
        let outcome = try CLI.run(["aws", "scan", "--profile", profile, "--format", "json"], environment: [
            "AWS_CONFIG_FILE": seed.appendingPathComponent("config").path,
            "AWS_SHARED_CREDENTIALS_FILE": seed.appendingPathComponent("credentials").path,
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "", "AWS_EC2_METADATA_DISABLED": "true",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stderr)")
        return (outcome.status, report, outcome.stderr)
    }

    static func findings(_ report: [String: Any]) -> [(check: String, resource: String, severity: String)] {
        ((report["findings"] as? [[String: Any]]) ?? []).map {
            ($0["checkID"] as? String ?? "", ($0["resource"] as? [String: Any])?["name"] as? String ?? "", $0["severity"] as? String ?? "")
        }
    }

    /// Each intended weakness of the weak account (manifest.json), as the checks that must find it.
    static let weaknesses: [(intended: String, checks: [(String, String?)])] = [
        ("legacy-weak: public endpoint 0.0.0.0/0, private endpoint off, k8s 1.24",
         [("eksPublicEndpoint", "legacy-weak"), ("eksPrivateEndpointDisabled", "legacy-weak"), ("eksUnsupportedVersion", "legacy-weak")]),
        ("no secrets encryption on either cluster", [("eksSecretsEncryption", "legacy-weak"), ("eksSecretsEncryption", "sandbox-weak")]),
        ("legacy-weak: all control-plane logs off; sandbox-weak: only 'api'",
         [("eksControlPlaneLogging", "legacy-weak"), ("eksControlPlaneLogging", "sandbox-weak")]),
        ("legacy-weak has no IAM OIDC provider (no IRSA)", [("eksOIDCProviderMissing", "legacy-weak")]),
        ("sandbox-irsa-any-sa: IRSA trust StringLike sub system:serviceaccount:*:* and no aud; policy s3:*/kms:*/secretsmanager:*/iam:PassRole on *",
         [("irsaTrustNotPinned", "arn:aws:iam::222222222222:role/sandbox-irsa-any-sa"), ("iamBroadServiceAccess", nil)]),
        ("nodes in public subnets (MapPublicIpOnLaunch, 0.0.0.0/0 -> IGW), no NAT",
         [("nodegroupPublicSubnet", "legacy-weak/legacy-public"), ("subnetAssignsPublicIP", nil)]),
        ("no VPC endpoints", [("vpcEndpointsMissing", nil)]),
        ("SG legacy-eks-nodes: 22, 3389, 10250 from 0.0.0.0/0 and all from ::/0; SG legacy-allow-all: all from 0.0.0.0/0",
         [("securityGroupAdminPortsOpen", nil), ("securityGroupOpenIngress", nil)]),
        ("default NACL only (allow all)", [("networkAclAllowsAll", nil)]),
        ("nodegroup legacy-public: SSH key without source SGs (SSH open to the internet)", [("nodegroupSSHFromInternet", "legacy-weak/legacy-public")]),
        ("node role has AdministratorAccess", [("iamAdminManagedPolicy", "arn:aws:iam::222222222222:role/legacy-eks-node"), ("nodeRoleAdmin", nil)]),
        ("ci-deployer: trust Principal AWS * and inline Action * Resource *",
         [("iamRoleTrustsEveryone", "arn:aws:iam::222222222222:role/ci-deployer"), ("iamAdminPolicy", "arn:aws:iam::222222222222:role/ci-deployer")]),
        ("no CloudTrail", [("accountNoCloudTrail", nil)]),
        ("no GuardDuty detector", [("accountNoGuardDuty", nil)]),
        ("Config recorder defined but not recording, no delivery channel",
         [("configRecorderStopped", nil), ("configNoDeliveryChannel", nil), ("configRecorderIncomplete", nil)]),
        ("ECR legacy/app: MUTABLE tags, scanOnPush off, AES256, repo policy Principal *; image has a HIGH finding",
         [("ecrMutableTags", "legacy/app"), ("ecrScanOnPushDisabled", "legacy/app"), ("ecrNotKMSEncrypted", "legacy/app"), ("ecrRepositoryPublic", "legacy/app")]),
        ("Secrets Manager secret with AWS-managed key, no rotation", [("secretNotCMKEncrypted", nil), ("secretRotationDisabled", nil)]),
        ("KMS CMK with rotation off", [("kmsKeyRotationDisabled", nil)]),
        ("S3 bucket without default-encryption config or public access block, public-read policy",
         [("s3BucketNotKMSEncrypted", "legacy-artifacts-222222222222"), ("s3PublicAccessNotBlocked", "legacy-artifacts-222222222222"), ("s3BucketPolicyPublic", nil)]),
        ("no IAM password policy", [("accountNoPasswordPolicy", nil)]),
    ]

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"] != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared/aws-emulator)")) func findsEveryIntendedWeaknessOfTheWeakAccount() throws {
        let (status, report, stderr) = try scan("weak")
        #expect(status == 1, "findings make the exit code 1: \(stderr)")
        #expect(stderr.contains("account 222222222222"))
        let found = Self.findings(report)
        // A live finding points at the account's resource, not at a file position.
        for finding in (report["findings"] as? [[String: Any]]) ?? [] {
            let cloud = finding["cloud"] as? [String: Any]
            #expect(cloud?["account"] as? String == "222222222222" && cloud?["region"] as? String == "us-east-1", "\(finding)")
            #expect(finding["line"] as? Int == 0)
        }
        for weakness in Self.weaknesses {
            for (check, resource) in weakness.checks {
                #expect(found.contains { $0.check == check && (resource == nil || $0.resource == resource) },
                        "\(weakness.intended): \(check)\(resource.map { " on \($0)" } ?? "") not found")
            }
        }
        // The manifest lists what the seeder meant; every entry is covered above.
        let seed = try #require(Self.seed)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: seed.appendingPathComponent("manifest.json"))) as? [String: Any]
        let intended = ((manifest?["accounts"] as? [String: Any])?["weak"] as? [String: Any])?["intended"] as? [String] ?? []
        #expect(!intended.isEmpty)
        for entry in intended {
            #expect(Self.weaknesses.contains { $0.intended == entry }, "intended weakness without a check: \(entry)")
        }
    }

    /// The IRSA chain across manifests and the live account: a service account naming a role the
    /// account lacks is a broken link; one whose role trusts it is not.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"] != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared/aws-emulator)")) func verifiesTheIRSAChainAgainstTheAccount() throws {
        let seed = try #require(Self.seed, "BULKHEAD_MOTO_SEED is not set: run the tests with scripts/test")
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: api
              namespace: sandbox
              annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::222222222222:role/sandbox-irsa-any-sa"}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: worker
              namespace: sandbox
              annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::222222222222:role/sandbox-irsa-typo"}
            """.write(to: directory.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["aws", "scan", "--profile", "weak", "--format", "json", "--only", "chain/irsa", "--manifests", directory.path], environment: [
            "AWS_CONFIG_FILE": seed.appendingPathComponent("config").path,
            "AWS_SHARED_CREDENTIALS_FILE": seed.appendingPathComponent("credentials").path,
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stderr)")
        let found = Self.findings(report)
        #expect(found.map(\.check) == ["irsaChainRoleNotFound"], "\(found)")
        #expect(found.first?.resource == "worker")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"] != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared/aws-emulator)")) func failsNothingInTheHardenedAccount() throws {
        let (status, report, stderr) = try scan("hardened")
        #expect(status == 0, "\(stderr)")
        let failing = Self.findings(report).filter { $0.severity != "info" }
        #expect(failing.isEmpty, "\(failing)")
        #expect((report["notAssessed"] as? [Any])?.isEmpty == true, "\(report["notAssessed"] ?? "")")
        let summary = report["summary"] as? [String: Any]
        #expect((summary?["resourcesChecked"] as? Int ?? 0) > 50, "the account was read")
    }

    /// An endpoint that answers STS but implements nothing else (HTML errors, as moto does for
    /// unimplemented APIs): every check is "not assessed" with the reason, none passes or fails,
    /// and the scan completes.
    @Test func unimplementedAPIsAreNotAssessed() throws {
        let server = try LocalServer(python: [Self.standIn.path, "html"])
        defer { server.stop() }
        let endpoint = server.port
        let outcome = try CLI.run(["aws", "scan", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:\(endpoint)", "--format", "json"], environment: [
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let notAssessed = (report["notAssessed"] as? [[String: Any]]) ?? []
        let checks = Set(notAssessed.compactMap { $0["checkID"] as? String })
        #expect(checks.contains("eksPublicEndpoint") && checks.contains("kmsKeyRotationDisabled") && checks.contains("accountNoCloudTrail"))
        #expect(notAssessed.allSatisfy { ($0["reason"] as? String)?.contains("NotImplemented") == true || ($0["reason"] as? String)?.contains("could not be listed") == true },
                "\(notAssessed.prefix(3))")
        #expect(Self.findings(report).filter { $0.severity != "info" }.isEmpty, "a failed API never becomes a finding")
    }

    @Test func refusesClearlyWithoutCredentials() throws {
        let outcome = try CLI.run(["aws", "scan"], environment: [
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
        ])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("no AWS credentials"))
    }

    /// An endpoint that never answers: the scan does not hang. When even STS hangs, the scan
    /// stops with a clear error; when only the services hang, it completes, all not assessed.
    @Test(arguments: [true, false])
    func aHangingEndpointDoesNotHangTheScan(stsAnswers: Bool) throws {
        let server = try LocalServer(python: [Self.standIn.path, stsAnswers ? "hang" : "hang-all"])
        defer { server.stop() }
        let started = Date()
        let outcome = try CLI.run(["aws", "scan", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:\(server.port)", "--timeout", "1", "--format", "json"], environment: [
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ])
        #expect(Date().timeIntervalSince(started) < 30, "gave up on the endpoint in time")
        if stsAnswers {
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
            let reasons = ((report["notAssessed"] as? [[String: Any]]) ?? []).compactMap { $0["reason"] as? String }
            #expect(!reasons.isEmpty && reasons.allSatisfy { $0.contains("Timeout") || $0.contains("EndpointUnresponsive") || $0.contains("could not be listed") }, "\(reasons.prefix(3))")
        } else {
            #expect(outcome.status == 2)
            #expect(outcome.stderr.contains("no answer within 1 s") || outcome.stderr.contains("did not answer"), "\(outcome.stderr)")
        }
    }
}
