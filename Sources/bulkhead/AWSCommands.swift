import ArgumentParser
import BulkheadAWS
import BulkheadCatalogue
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

        @OptionGroup(title: "Account") var account: AWSAccountOptions
        @OptionGroup(title: "Output") var out: OutputOptions<ReportFormat>
        @OptionGroup(title: "Checks") var selection: SelectionOptions
        @OptionGroup(title: "Input") var input: InputOptions

        @Option(name: .customLong("manifests"), help: "Kubernetes manifests (files or directories) to judge with the account: their own checks, and the IRSA and secrets chains across both.")
        var manifests: [String] = []

        @Flag(help: "List suppressed findings too.")
        var showSuppressed = false

        func run() throws {
            let selected = try selection.registry()
            let read = try account.read(command: "aws scan")
            let discovered = input.discover(manifests)
            let project = ProjectConfiguration(explicit: input.config, discovered: discovered)
            let registry = AccountRun.registry(selected, withManifests: !manifests.isEmpty)
            guard !registry.descriptors.isEmpty else { throw ValidationError("--only \(selection.only ?? "") selects no AWS check; see `bulkhead checks`") }
            var result = Scanner(registry: registry, options: project.scanOptions(), config: project.config, maxFileBytes: input.maxFileBytes)
                .scan(discovered.inputs, sourced: [read.input])
            result.diagnostics = discovered.diagnostics + project.diagnostics + result.diagnostics
            let threshold = selection.failOn ?? project.config?.failOn ?? .low
            let failed = result.hasFindings(atOrAbove: threshold)
            let context = ReportContext(toolVersion: BulkheadVersion.current, registry: registry, showSuppressed: showSuppressed,
                                        color: out.color, failOn: threshold)
            out.note(AccountRun.describe(read))
            let shown = selection.displayed(result)
            try Output.write(to: out.output) { try Reports.write(shown, format: out.effectiveFormat, context: context, to: $0) }
            out.reportDiagnostics(result.diagnostics)
            if !result.errors.isEmpty { throw ExitCode(2) }
            if failed { throw ExitCode(1) }
        }
    }
}

/// A live account joined to a run: it enters as a source (its resources judged by the AWS suite,
/// as a template's are); without manifests only the AWS checks are listed in the report.
enum AccountRun {
    static func registry(_ selected: CheckRegistry, withManifests: Bool) -> CheckRegistry {
        withManifests ? selected : CheckRegistry(suites: selected.suites.filter { $0 is AWSSuite }, formats: selected.formats)
    }

    static func describe(_ read: LiveAccountScan.Read) -> String {
        "account \(read.account), regions \(read.regions.joined(separator: ", ")), credentials from \(read.credentialSource)"
    }
}
