import ArgumentParser
import BulkheadAWS
import BulkheadCore
import BulkheadKubernetes
import BulkheadReports
import Foundation

struct AWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws", abstract: "Assess a live AWS account (read-only API calls).", subcommands: [Scan.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Read EKS, VPC, KMS, CloudTrail, GuardDuty, Config, ECR, S3, Secrets Manager, CloudWatch Logs and IAM and run the AWS checks.",
            discussion: """
                Credentials come from AWS's standard chain: environment, shared config/credentials files (profiles, \
                credential_process), a web identity token (IRSA), the container credentials endpoint, IMDSv2. Only \
                read calls are made. An API that fails makes the affected checks "not assessed", never a pass.
                """)

        @Option(help: "Profile of the shared config/credentials files.")
        var profile: String?

        @Option(name: .customLong("region"), help: "Region to scan (repeat for several; default: the profile's or AWS_REGION).")
        var regions: [String] = []

        @Option(help: "Send every call to this endpoint (a local emulator, a VPC endpoint); default AWS_ENDPOINT_URL or the profile's endpoint_url.")
        var endpointURL: String?

        @Option(help: "Report format: text, json or sarif.")
        var format: ReportFormat = .text

        @Option(name: .shortAndLong, help: "Write the report to a file instead of standard output.")
        var output: String?

        @Option(help: "Exit 1 when a finding is at or above this severity.")
        var failOn: Severity?

        @Option(help: "Only these checks or categories (comma-separated, e.g. aws/eks,iamAdminPolicy).")
        var only: String?

        @Option(help: "A .bulkhead.yaml whose exceptions apply (kind is the AWS type, name the resource ID).")
        var config: String?

        @Option(help: "Seconds to wait for each API answer; an endpoint that misses three in a row is taken as down.")
        var timeout: Int = 15

        @Option(name: .customLong("manifests"), help: "Kubernetes manifests (files or directories) to judge with the account: their own checks, and the IRSA and secrets chains across both.")
        var manifests: [String] = []

        @Flag(help: "List suppressed findings too.")
        var showSuppressed = false

        @Flag(help: "No colour in the text report.")
        var noColor = false

        func run() throws {
            let selectors = only?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
            let checks = selectors.isEmpty ? AWSChecks.checks : AWSChecks.checks.filter { $0.descriptor.matches(selectors) }
            let chains = selectors.isEmpty ? AWSChecks.chains : AWSChecks.chains.filter { $0.descriptor.matches(selectors) }
            if checks.isEmpty && chains.isEmpty { throw ValidationError("--only \(only ?? "") selects no AWS check; see `bulkhead checks`") }
            var diagnostics: [Diagnostic] = []
            var configuration: BulkheadConfig?
            if let config {
                let (loaded, problems) = BulkheadConfig.load(path: config)
                configuration = loaded
                diagnostics += problems
            }
            guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
            let scan = LiveAccountScan(profile: profile, regions: regions, endpointURL: endpointURL, timeoutSeconds: Int64(timeout))
            let read: LiveAccountScan.Read
            do {
                read = try Blocking.run { try await scan.read() }
            } catch {
                FileHandle.standardError.write(Data("bulkhead aws scan: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let discovered = InputDiscovery.discover(manifests)
            diagnostics += discovered.diagnostics
            let kubernetes = manifests.isEmpty ? [] : KubernetesChecks.registry(only: selectors).suites
            let registry = CheckRegistry(suites: kubernetes + [LiveAccountScan.Suite(checks: checks, chains: chains, read: read)])
            var result = Scanner(registry: registry, config: configuration).scan(discovered.inputs)
            result.diagnostics = diagnostics + result.diagnostics
            result.stats.resourcesChecked += read.inventory.resources.count
            let threshold = failOn ?? configuration?.failOn ?? .low
            let context = ReportContext(toolVersion: BulkheadVersion.current, registry: registry, showSuppressed: showSuppressed,
                                        color: format == .text && output == nil && !noColor && Output.stdoutIsTerminal, failOn: threshold)
            FileHandle.standardError.write(Data("account \(read.account), regions \(read.regions.joined(separator: ", ")), credentials from \(read.credentialSource)\n".utf8))
            try Output.write(to: output) { try Reports.write(result, format: format, context: context, to: $0) }
            if !result.errors.isEmpty { throw ExitCode(2) }
            if result.hasFindings(atOrAbove: threshold) { throw ExitCode(1) }
        }
    }
}
