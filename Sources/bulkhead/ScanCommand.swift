import ArgumentParser
import BulkheadCore
import BulkheadKubernetes
import BulkheadReports
import Foundation

extension ReportFormat: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan Kubernetes manifests (files, directories, or - for stdin): Pod Security Standards, RBAC, network isolation, identity, secrets, images.",
        discussion: """
            Directories are read recursively for .yaml, .yml and .json. Pipe rendered charts in with
            `helm template ... | bulkhead scan -`.
            Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error or
            unreadable/malformed input (reported after the findings of everything else).
            """)

    @Argument(help: "Files or directories to scan; - reads standard input.")
    var paths: [String] = []

    @OptionGroup(title: "Output") var out: OutputOptions<ReportFormat>
    @OptionGroup(title: "Checks") var selection: SelectionOptions
    @OptionGroup(title: "Input") var input: InputOptions

    @Option(help: "Pod Security level: baseline or restricted (default: the namespace's enforce label, else restricted).")
    var level: String?

    @Option(name: .customLong("pss-version"), help: "Pod Security Standards version: v1.N or latest (default: the namespace's label, else latest).")
    var pssVersion: String?

    @Flag(name: .customLong("show-suppressed"), help: "List suppressed findings too.")
    var showSuppressed = false

    func validate() throws {
        if paths.isEmpty {
            throw ValidationError("give at least one file or directory to scan, or - for standard input")
        }
        if let level, !["baseline", "restricted"].contains(level) {
            throw ValidationError("--level must be baseline or restricted, not \"\(level)\"")
        }
        if let pssVersion, PodSecurityVersion(pssVersion) == nil {
            throw ValidationError("--pss-version must be v1.N or latest, not \"\(pssVersion)\"")
        }
    }

    func run() throws {
        let registry = try selection.registry()
        let discovered = input.discover(paths)
        let project = ProjectConfiguration(explicit: input.config, discovered: discovered)
        let configuration = project.config
        let options = project.scanOptions(level: level, pssVersion: pssVersion)
        let scanner = Scanner(registry: registry, options: options, config: configuration, maxFileBytes: input.maxFileBytes)
        var result = scanner.scan(discovered.inputs)
        result.diagnostics = discovered.diagnostics + project.diagnostics + result.diagnostics
        if result.errors.isEmpty, let nothing = InputOptions.nothingRead(paths, result.stats) { result.diagnostics.append(nothing) }

        let threshold = selection.failOn ?? configuration?.failOn ?? .low
        let failed = result.hasFindings(atOrAbove: threshold)
        let context = ReportContext(
            toolVersion: BulkheadVersion.current, registry: registry, showSuppressed: showSuppressed,
            color: out.color, failOn: threshold)
        let shown = selection.displayed(result)
        try Output.write(to: out.output) { try Reports.write(shown, format: out.effectiveFormat, context: context, to: $0) }
        out.reportDiagnostics(result.diagnostics)

        if !result.errors.isEmpty { throw ExitCode(2) }
        if failed { throw ExitCode(1) }
    }
}
