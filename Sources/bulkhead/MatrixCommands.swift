import ArgumentParser
import BulkheadCore
import BulkheadHistory
import BulkheadKubernetes
import BulkheadMatrix
import Foundation

extension MatrixFormat: ExpressibleByArgument {}

struct FrameworkOption: ExpressibleByArgument {
    var framework: FrameworkReference.Framework

    init?(argument: String) {
        guard let found = FrameworkReference.Framework.allCases.first(where: { $0.key == argument.lowercased() && $0 != .pssStandard }) else { return nil }
        framework = found
    }

    static var allValueStrings: [String] { FrameworkReference.Framework.allCases.filter { $0 != .pssStandard }.map(\.key) }
}

struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "The shared-responsibility matrix: every control, what AWS covers, what your inputs prove, break or leave unassessed.",
        discussion: """
            Statuses: pass (evidence, no failure), partial (some resources fail, or parts unassessed), fail, not assessed
            (says what input would assess it), AWS-inherited. Nothing nobody looked at is ever shown as pass.
            Exit codes: 0 no control fails; 1 a control fails or is partial; 2 usage error or unreadable input.
            """)

    @Argument(help: "Files or directories of manifests; - reads standard input.")
    var paths: [String] = []

    @Option(name: .shortAndLong, help: "text, json, markdown, junit or html.")
    var format: MatrixFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file.")
    var output: String?

    @Option(help: "Show the result requirement by requirement: cis-eks, pci-dss, soc2, nist-800-190 or nsa.")
    var framework: FrameworkOption?

    @Option(help: "Configuration file (default: .bulkhead.yaml in the scanned directory).")
    var config: String?

    @Flag(help: "Store this run in the history database.")
    var record = false

    @Option(help: "History database (default: $XDG_DATA_HOME/bulkhead/history.sqlite).")
    var db: String?

    @Flag(name: .customLong("no-color"), help: "Never colour the text report.")
    var noColor = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or directory of manifests, or - for standard input") }
    }

    func run() throws {
        let discovered = InputDiscovery.discover(paths)
        let project = ProjectConfiguration(explicit: config, discovered: discovered)
        let diagnostics = discovered.diagnostics + project.diagnostics
        let registry = KubernetesChecks.registry
        let scanner = Scanner(registry: registry, options: project.scanOptions(), config: project.config)
        let (inventory, readDiagnostics, digests) = scanner.inventoryWithDigests(discovered.inputs)
        var scan = scanner.scan(resources: inventory.resources)
        scan.diagnostics = diagnostics + readDiagnostics + scan.diagnostics
        scan.stats.files = discovered.inputs.count
        let matrix = MatrixBuilder(registry: registry).build(
            inventory: inventory, scan: scan, inputs: paths, inputsDigest: InputDigest.combined(digests))

        var trends: [String: [ControlStatus]] = [:]
        if record || db != nil {
            let store = try openStore(db)
            trends = try store.trends()
            if record {
                let id = try store.record(matrix, toolVersion: BulkheadVersion.current)
                FileHandle.standardError.write(Data("recorded run \(id) in \(store.path)\n".utf8))
            }
        }
        let reportOptions = MatrixReportOptions(framework: framework?.framework, toolVersion: BulkheadVersion.current,
                                                color: format == .text && output == nil && !noColor && Output.stdoutIsTerminal, trends: trends)
        try Output.write(try MatrixReports.render(matrix, format: format, options: reportOptions), to: output)
        for diagnostic in scan.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
        if !scan.errors.isEmpty { throw ExitCode(2) }
        if matrix.results.contains(where: { $0.status == .fail || $0.status == .partial }) { throw ExitCode(1) }
    }
}

func openStore(_ path: String?) throws -> HistoryStore {
    do {
        return try HistoryStore(path: path ?? HistoryStore.defaultPath())
    } catch {
        throw ValidationError("cannot open the history database \(path ?? HistoryStore.defaultPath()): \(error)")
    }
}

struct ControlsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controls", abstract: "List the controls of the shared-responsibility catalogue.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let descriptors = KubernetesChecks.registry.descriptors
        func checks(_ control: Control) -> [String] { descriptors.filter { $0.controls.contains(control.id) }.map(\.id) }
        if json {
            struct Entry: Encodable {
                var id, section, layer, title, owner, statement, assessment: String
                var parent: String?
                var frameworks, checks: [String]
            }
            let entries = ControlCatalog.all.map {
                Entry(id: $0.id, section: $0.section, layer: $0.layer, title: $0.title, owner: $0.owner.rawValue, statement: $0.statement,
                      assessment: $0.assessment.rawValue, parent: $0.parent, frameworks: $0.frameworks.map(\.description), checks: checks($0))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Output.write(String(decoding: try encoder.encode(entries), as: UTF8.self) + "\n", to: nil)
            return
        }
        let rows = ControlCatalog.all.map { control in
            [control.id, control.owner.rawValue, control.section, control.title, control.assessment.rawValue, String(checks(control).count)]
        }
        try Output.write(Table.render(header: ["ID", "OWNER", "SECTION", "TITLE", "ASSESSED FROM", "CHECKS"], rows: rows), to: nil)
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List the runs recorded with `bulkhead matrix --record`.")

    @Option(help: "History database (default: $XDG_DATA_HOME/bulkhead/history.sqlite).")
    var db: String?

    func run() throws {
        let runs = try openStore(db).runs()
        guard !runs.isEmpty else {
            try Output.write("No runs recorded yet (bulkhead matrix --record ...).\n", to: nil)
            return
        }
        let formatter = ISO8601DateFormatter()
        let rows = runs.map { run in
            [String(run.id), formatter.string(from: run.startedAt), String(run.inputsDigest.prefix(12)),
             "\(run.counts[.pass] ?? 0)/\(run.counts[.partial] ?? 0)/\(run.counts[.fail] ?? 0)/\(run.counts[.notAssessed] ?? 0)",
             String(run.findings), run.inputs.prefix(3).joined(separator: " ") + (run.inputs.count > 3 ? " …" : "")]
        }
        try Output.write(Table.render(header: ["RUN", "STARTED", "INPUTS", "PASS/PARTIAL/FAIL/N.A.", "FINDINGS", "PATHS"], rows: rows), to: nil)
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Controls and findings that are new, fixed or unchanged between two recorded runs (default: the last two).")

    @Argument(help: "Earlier run (default: the one before the later).")
    var from: Int64?

    @Argument(help: "Later run (default: the last).")
    var to: Int64?

    @Option(help: "History database (default: $XDG_DATA_HOME/bulkhead/history.sqlite).")
    var db: String?

    func run() throws {
        let diff: HistoryStore.RunDiff
        do {
            diff = try openStore(db).diff(from: from, to: to)
        } catch let error as HistoryStore.HistoryError {
            throw ValidationError(error.description)
        }
        var out = "Run \(diff.from) → run \(diff.to)\n"
        if diff.controls.isEmpty {
            out += "Controls: no change\n"
        } else {
            out += "Controls:\n"
            for change in diff.controls {
                out += "  \(change.id): \(change.before?.label ?? "—") → \(change.after?.label ?? "—")\n"
            }
        }
        out += "Findings: \(diff.newFindings.count) new, \(diff.fixedFindings.count) fixed, \(diff.unchangedFindings) unchanged\n"
        for finding in diff.newFindings.prefix(50) { out += "  + \(finding)\n" }
        for finding in diff.fixedFindings.prefix(50) { out += "  - \(finding)\n" }
        try Output.write(out, to: nil)
    }
}
