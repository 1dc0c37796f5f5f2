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

    @Option(name: .shortAndLong, help: "Report format: text, json or sarif.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Pod Security level: baseline or restricted (default: the namespace's enforce label, else restricted).")
    var level: String?

    @Option(name: .customLong("pss-version"), help: "Pod Security Standards version: v1.N or latest (default: the namespace's label, else latest).")
    var pssVersion: String?

    @Option(name: .customLong("fail-on"), help: "Lowest severity that fails the scan: info, low, medium, high, critical (default low).")
    var failOn: Severity?

    @Option(help: "Configuration file (default: .bulkhead.yaml in the scanned directory).")
    var config: String?

    @Flag(name: .customLong("show-suppressed"), help: "List suppressed findings too.")
    var showSuppressed = false

    @Flag(name: .customLong("no-color"), help: "Never colour the text report.")
    var noColor = false

    @Option(help: "Run only these checks: IDs or categories (pod-security, rbac, network, identity, secrets, images, hygiene), comma-separated.")
    var only: String?

    @Option(name: .customLong("max-file-size"), help: "Largest file to read, in MiB.")
    var maxFileSize = SourceReader.defaultMaxBytes / (1024 * 1024)

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
        if maxFileSize < 1 {
            throw ValidationError("--max-file-size must be at least 1 (MiB)")
        }
    }

    func run() throws {
        let discovered = InputDiscovery.discover(paths)
        let project = ProjectConfiguration(explicit: config, discovered: discovered)
        let configuration = project.config
        let diagnostics = discovered.diagnostics + project.diagnostics
        let options = project.scanOptions(level: level, pssVersion: pssVersion)
        let selectors = only?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
        let registry = AllChecks.registry(only: selectors)
        if !selectors.isEmpty && registry.descriptors.isEmpty {
            throw ValidationError("--only \(only ?? "") selects no check; see `bulkhead checks`")
        }
        let scanner = Scanner(registry: registry, options: options, config: configuration, maxFileBytes: maxFileSize * 1024 * 1024)
        var result = scanner.scan(discovered.inputs)
        result.diagnostics = diagnostics + result.diagnostics

        let threshold = failOn ?? configuration?.failOn ?? .low
        let context = ReportContext(
            toolVersion: BulkheadVersion.current, registry: registry, showSuppressed: showSuppressed,
            color: format == .text && output == nil && !noColor && Output.stdoutIsTerminal, failOn: threshold)
        try Output.write(to: output) { try Reports.write(result, format: format, context: context, to: $0) }

        if !result.errors.isEmpty { throw ExitCode(2) }
        if result.hasFindings(atOrAbove: threshold) { throw ExitCode(1) }
    }
}
