import Foundation
import Testing

/// The one command-line grammar, walked over every subcommand's help and tried on the errors a
/// user makes first.
@Suite("Command-line grammar")
struct GrammarTests {
    /// Every command that prints results, as typed.
    static let resultCommands: [[String]] = [
        ["scan"], ["checks"], ["explain"], ["rbac", "who-can"], ["rbac", "subject"], ["netpol"], ["matrix"], ["controls"],
        ["history"], ["diff"], ["aws", "scan"],
    ]

    /// Every leaf command the root lists (read from the help itself, so a new command is walked too).
    static func leafCommands(_ prefix: [String] = []) throws -> [[String]] {
        guard prefix.count < 3 else { return [prefix] }
        let help = try CLI.run(prefix + ["--help"]).stdout
        guard let start = help.range(of: "\nSUBCOMMANDS:\n") else { return [prefix] }
        var commands: [[String]] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            // A command's line: two spaces, then its name; descriptions continue further right.
            let characters = Array(line)
            guard characters.count > 2, characters[0] == " ", characters[1] == " ", characters[2].isLowercase else { continue }
            let name = String(line.dropFirst(2).prefix { $0 != " " })
            if name == "help" { continue }
            commands += try leafCommands(prefix + [name])
        }
        return commands
    }

    @Test func everyCommandThatPrintsResultsTakesFormatAndOutput() throws {
        let leaves = try Self.leafCommands()
        #expect(leaves.count >= 14, "walked \(leaves)")
        for command in Self.resultCommands {
            #expect(leaves.contains(command), "\(command) is a command")
        }
        // The rest: servers and file writers (`admit serve` runs, `admit certs` writes a directory with --out).
        let exempt: Set<[String]> = [["admit", "serve"], ["admit", "certs"], ["admit", "manifests"]]
        for command in leaves where !exempt.contains(command) {
            let help = try CLI.run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("-f, --format <format>"), "\(command) takes -f/--format")
            #expect(help.stdout.contains("-o, --output <file>"), "\(command) takes -o/--output")
            #expect(!help.stdout.contains("--json"), "\(command): --json is a hidden alias")
        }
        #expect(try CLI.run(["admit", "manifests", "--help"]).stdout.contains("-o, --output <file>"), "manifests can be written to a file")
    }

    @Test func jsonIsAFormatEverywhereAndTheOldFlagStillWorks() throws {
        for arguments in [["checks", "-f", "json"], ["controls", "-f", "json"], ["checks", "--json"], ["explain", "privileged", "-f", "json"],
                          ["scan", "examples/", "-f", "json"], ["matrix", "examples/", "-f", "json"]] {
            let outcome = try CLI.run(arguments)
            #expect(outcome.status != 2, "\(arguments): \(outcome.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))) != nil, "\(arguments) prints JSON")
        }
    }

    @Test func unknownChecksAndTyposAreErrorsWithSuggestions() throws {
        let only = try CLI.run(["scan", "examples/", "--only", "pod-security,pod-securty"])
        #expect(only.status == 2)
        #expect(only.stderr.contains("did you mean \"pod-security\""), "\(only.stderr)")
        #expect(only.stderr.contains("Usage: bulkhead scan"), "the command's own usage, not the root's: \(only.stderr)")
        let explain = try CLI.run(["explain", "privilegd"])
        #expect(explain.status == 2)
        #expect(explain.stderr.contains("did you mean \"privileged\""))
        #expect(explain.stderr.split(separator: "\n").count <= 3, "no dump of every ID: \(explain.stderr)")
        #expect(try CLI.run(["matrix", "examples/", "--only", "nonsense"]).status == 2)
        #expect(try CLI.run(["aws", "scan", "--only", "eksPublicEndpont"]).stderr.contains("did you mean \"eksPublicEndpoint\""))
    }

    @Test func noInputAtAllExitsTwo() throws {
        let empty = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        for arguments in [["scan", empty.path], ["matrix", empty.path], ["netpol", empty.path], ["scan", "-"]] {
            let outcome = try CLI.run(arguments, stdin: "")
            #expect(outcome.status == 2, "\(arguments)")
            #expect(outcome.stderr.contains("no input"), "\(arguments): \(outcome.stderr)")
        }
        let notObjects = try CLI.run(["scan", "-"], stdin: "replicas: 3\nimage: nginx\n")
        #expect(notObjects.status == 2)
        #expect(notObjects.stderr.contains("no Kubernetes object"))
    }

    @Test func errorsReachStandardErrorWhatEverTheReport() throws {
        let outcome = try CLI.run(["scan", "-", "-f", "json"], stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: [\n")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("<stdin>:"), "\(outcome.stderr)")
    }

    @Test func hiddenDirectoriesAndExcludedPathsAreSkipped() throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: NAME}\nspec: {containers: [{name: c, image: nginx}]}\n"
        for (path, name) in [("app/pod.yaml", "kept"), (".terraform/modules/pod.yaml", "hidden"), ("node_modules/x/pod.yaml", "vendored"),
                             ("generated/pod.yaml", "excluded")] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try pod.replacingOccurrences(of: "NAME", with: name).write(to: url, atomically: true, encoding: .utf8)
        }
        let outcome = try CLI.run(["scan", root.path, "--exclude", "generated/**", "-f", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let names = Set(((report["findings"] as? [[String: Any]]) ?? []).compactMap { ($0["resource"] as? [String: Any])?["name"] as? String })
        #expect(names == ["kept"])
        // A hidden directory named on the command line is read.
        let named = try CLI.run(["scan", root.appendingPathComponent(".terraform").path, "-f", "json"])
        #expect(named.stdout.contains("\"hidden\""))
    }

    @Test func textListingsFitOneHundredColumns() throws {
        for arguments in [["checks"], ["controls"]] {
            let outcome = try CLI.run(arguments)
            let wide = outcome.stdout.split(separator: "\n").filter { $0.count > 100 }
            #expect(wide.isEmpty, "\(arguments): \(wide.prefix(3))")
        }
        // Control IDs are whole, never cut.
        let controls = try CLI.run(["controls"]).stdout
        #expect(controls.contains("CHECKLIST-MONITORING-5"))
        #expect(controls.contains("ASSUME-CONTAINER-NETWORK-POLICIES"))
    }

    @Test func controlsCountTheAWSChecks() throws {
        let outcome = try CLI.run(["controls", "-f", "json"])
        let controls = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        func checks(_ id: String) -> [String] { controls.first { $0["id"] as? String == id }?["checks"] as? [String] ?? [] }
        #expect(checks("IAAS-MON-CLOUDTRAIL").contains("cloudtrailNotMultiRegion"))
        #expect(checks("CUST-INFRA-VPC").contains("subnetAssignsPublicIP") || !checks("CUST-INFRA-VPC").isEmpty)
        #expect(checks("CHAIN-IDENTITY-1") == ["eksOIDCProviderMissing"])
        let aws = controls.filter { ($0["assessment"] as? String) == "aws" }
        let unchecked = aws.filter { (($0["checks"] as? [String]) ?? []).isEmpty }.compactMap { $0["id"] as? String }
        // What no AWS check can judge yet: Network Firewall, the VPC CNI's pod security groups, and
        // controls that rest on others (their checks come through evidenceFrom).
        #expect(Set(unchecked).isSubset(of: ["IAAS-NET-FIREWALL", "CHAIN-NETWORK-1", "ASSUME-INFRA-ENCRYPTION", "CHECKLIST-INFRA-1",
                                             "CHECKLIST-INFRA-2", "CHECKLIST-INFRA-3", "CHECKLIST-INFRA-4", "CHECKLIST-INFRA-5",
                                             "CHECKLIST-MONITORING-1", "CHECKLIST-MONITORING-2", "CHECKLIST-MONITORING-3",
                                             "CHAIN-NETWORK", "CHAIN-IMAGE", "CHAIN-SECRETS", "CHAIN-IDENTITY"]), "\(unchecked)")
    }

    /// README's table of checks is `bulkhead checks -f markdown`: a check added without it fails here.
    @Test func readmeCheckTableIsTheCatalogue() throws {
        let readme = try String(contentsOf: CLI.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = "<!-- checks: bulkhead checks -f markdown -->\n", end = "<!-- end of checks -->"
        let start = try #require(readme.range(of: begin), "README.md marks its check table")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex))
        let generated = try CLI.run(["checks", "-f", "markdown"]).stdout
        #expect(String(readme[start.upperBound..<stop.lowerBound]) == generated, "README.md's check table drifted: run `bulkhead checks -f markdown`")
    }
}

/// The matrix assessed from every capability: templates, Terraform and the live account.
@Suite("Matrix across capabilities", .serialized)
struct MatrixAcrossCapabilitiesTests {
    /// The IaaS rows, infrastructure and monitoring checklist items, and chain links the AWS checks evidence.
    static let infrastructureRows = [
        "CUST-INFRA-NODE-GROUPS", "CUST-INFRA-VPC", "CUST-INFRA-ENCRYPTION", "CUST-INFRA-MONITORING", "IAAS-NET-VPC-ISOLATION",
        "IAAS-NET-SECURITY-GROUPS", "IAAS-NET-NACLS", "IAAS-NET-VPC-ENDPOINTS", "IAAS-IAM-POLICIES", "IAAS-IAM-CROSS-ACCOUNT",
        "IAAS-DATA-KMS", "IAAS-DATA-EBS", "IAAS-DATA-S3", "IAAS-MON-CLOUDTRAIL", "IAAS-MON-GUARDDUTY", "IAAS-MON-CONFIG",
        "IAAS-MON-CLOUDWATCH", "CHAIN-IDENTITY-1", "CHAIN-NETWORK-3", "CHAIN-NETWORK-4", "ASSUME-INFRA-VPC", "ASSUME-INFRA-ENCRYPTION",
        "ASSUME-INFRA-MONITORING", "CHECKLIST-INFRA-1", "CHECKLIST-INFRA-2", "CHECKLIST-INFRA-3", "CHECKLIST-INFRA-4",
        "CHECKLIST-INFRA-5", "CHECKLIST-MONITORING-1", "CHECKLIST-MONITORING-2", "CHECKLIST-MONITORING-3",
    ]

    static func statuses(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, [String: (String, String)]) {
        let outcome = try CLI.run(["matrix"] + arguments + ["-f", "json", "-q"], environment: environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stderr)")
        var statuses: [String: (String, String)] = [:]
        for control in (report["controls"] as? [[String: Any]]) ?? [] {
            if let id = control["id"] as? String { statuses[id] = (control["status"] as? String ?? "", control["reason"] as? String ?? "") }
        }
        return (outcome.status, statuses)
    }

    @Test func theExampleStackAssessesTheIaaSRowsItHolds() throws {
        let (_, statuses) = try Self.statuses(["examples/"])
        // The example's EKS stack: cluster, node group, launch template, VPC, subnets, endpoints, KMS, roles, a log group.
        for id in ["CUST-INFRA-NODE-GROUPS", "CUST-INFRA-VPC", "CUST-INFRA-ENCRYPTION", "IAAS-NET-VPC-ISOLATION", "IAAS-NET-SECURITY-GROUPS",
                   "IAAS-NET-VPC-ENDPOINTS", "IAAS-IAM-POLICIES", "IAAS-DATA-KMS", "IAAS-DATA-EBS", "CHAIN-NETWORK-3", "CHECKLIST-INFRA-1"] {
            #expect(["pass", "partial", "fail"].contains(statuses[id]?.0 ?? ""), "\(id) is assessed from the template: \(statuses[id] ?? ("-", "-"))")
        }
        // What the stack does not hold stays unassessed, saying which input would assess it.
        let trail = try #require(statuses["IAAS-MON-CLOUDTRAIL"])
        #expect(trail.0 == "not-assessed")
        #expect(trail.1.contains("AWS::CloudTrail::Trail"), "\(trail.1)")
    }

    @Test func manifestsAloneLeaveTheInfrastructureUnassessed() throws {
        let (_, statuses) = try Self.statuses(["examples/web-deployment.yaml", "examples/hardened-api.yaml"])
        for id in Self.infrastructureRows {
            let status = try #require(statuses[id], "\(id) in the matrix")
            #expect(status.0 == "not-assessed", "\(id): \(status)")
            #expect(status.1.contains("CloudFormation template, Terraform") && status.1.contains("--aws"), "\(id): \(status.1)")
        }
    }

    static var seed: URL? { ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"].map { URL(fileURLWithPath: $0) } }

    static func account(_ profile: String) throws -> (Int32, [String: (String, String)]) {
        let seed = try #require(seed)
        return try statuses(["--aws", "--profile", profile], environment: [
            "AWS_CONFIG_FILE": seed.appendingPathComponent("config").path,
            "AWS_SHARED_CREDENTIALS_FILE": seed.appendingPathComponent("credentials").path,
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "", "AWS_EC2_METADATA_DISABLED": "true",
        ])
    }

    @Test(.enabled(if: seed != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared)"))
    func theWeakAccountFailsTheInfrastructureRows() throws {
        let (status, statuses) = try Self.account("weak")
        #expect(status == 1)
        for id in Self.infrastructureRows {
            let row = try #require(statuses[id], "\(id)")
            #expect(row.0 == "fail" || row.0 == "partial", "\(id): \(row)")
        }
        // Most of them outright.
        #expect(Self.infrastructureRows.filter { statuses[$0]?.0 == "fail" }.count >= 20)
    }

    @Test(.enabled(if: seed != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared)"))
    func theHardenedAccountPassesThem() throws {
        let (_, statuses) = try Self.account("hardened")
        for id in Self.infrastructureRows {
            let row = try #require(statuses[id], "\(id)")
            #expect(row.0 == "pass", "\(id): \(row)")
        }
        #expect(statuses["IAAS-NET-FIREWALL"]?.0 == "not-assessed", "no check judges Network Firewall yet")
    }
}
