import ArgumentParser
import BulkheadCatalogue
import BulkheadCore
import BulkheadHistory
import BulkheadImages
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
            Exit codes: 0 no control fails; 1 a control fails or is partial (with --fail-on: a finding at or above it);
            2 usage error, unreadable input or no input at all.
            """)

    @Argument(help: "Files or directories: manifests, CloudFormation, Terraform (.tf, plan JSON); - reads standard input.")
    var paths: [String] = []

    @Flag(help: "Read the live AWS account too (read-only calls; the options below say which).")
    var aws = false

    @Option(name: .customLong("image"), help: ArgumentHelp("An image to judge too (a layout, an archive, a root file system or a registry reference); repeatable.", valueName: "image"))
    var images: [String] = []

    @OptionGroup(title: "Vulnerability database (with --image)") var database: ImageCommand.DatabaseOptions

    @OptionGroup(title: "Account (with --aws)") var account: AWSAccountOptions
    @OptionGroup(title: "Output") var out: OutputOptions<MatrixFormat>
    @OptionGroup(title: "Checks") var selection: SelectionOptions
    @OptionGroup(title: "Input") var input: InputOptions

    @Option(help: "Show the result requirement by requirement: cis-eks, pci-dss, soc2, nist-800-190 or nsa.")
    var framework: FrameworkOption?

    @Flag(help: "Store this run in the history database.")
    var record = false

    @Option(help: "History database (default: $XDG_DATA_HOME/bulkhead/history.sqlite).")
    var db: String?

    func validate() throws {
        if paths.isEmpty && !aws && images.isEmpty {
            throw ValidationError("give at least one file or directory (manifests, templates, Terraform, Dockerfiles), - for standard input, --image or --aws")
        }
    }

    func run() throws {
        let selected = try selection.registry()
        let read = aws ? try account.read(command: "matrix --aws") : nil
        let discovered = input.discover(paths)
        let project = ProjectConfiguration(explicit: input.config, discovered: discovered)
        var registry = selected
        var imageReads: [InputRead] = []
        var imageErrors: [Diagnostic] = []
        if !images.isEmpty {
            registry = ImageCommand.withDatabase(selected, database.open(note: out.note))
            var options = RegistryClient.Options()
            options.environment = ProcessInfo.processInfo.environment
            let (read, errors) = ImageCommand.readImages(images, reader: ImageReader(), registry: options)
            imageReads = read.map { InputRead(models: [$0], diagnostics: $0.diagnostics) }
            imageErrors = errors
        }
        let scanner = Scanner(registry: registry, options: project.scanOptions(), config: project.config, maxFileBytes: input.maxFileBytes)
        let assessment = scanner.assess(discovered.inputs, sourced: (read.map { [$0.input] } ?? []) + imageReads)
        let (inventory, digests) = (assessment.inventory, assessment.digests)
        var scan = assessment.result
        scan.diagnostics = imageErrors + discovered.diagnostics + project.diagnostics + scan.diagnostics
        if let read {
            out.note(AccountRun.describe(read))
        } else if scan.errors.isEmpty, let nothing = InputOptions.nothingRead(paths, scan.stats) {
            scan.diagnostics.append(nothing)
        }
        let inputs = paths + images + (read.map { ["aws://\($0.account)/\($0.regions.joined(separator: ","))"] } ?? [])
        let matrix = MatrixBuilder(registry: registry).build(
            inventory: inventory, scan: selection.displayed(scan), inputs: inputs, inputsDigest: InputDigest.combined(digests))

        var trends: [String: [ControlStatus]] = [:]
        if record || db != nil {
            let store = try openStore(db)
            trends = try store.trends()
            if record {
                let id = try store.record(matrix, toolVersion: BulkheadVersion.current)
                out.note("recorded run \(id) in \(store.path)")
            }
        }
        let reportOptions = MatrixReportOptions(framework: framework?.framework, toolVersion: BulkheadVersion.current,
                                                color: out.color, trends: trends)
        try Output.write(try MatrixReports.render(matrix, format: out.effectiveFormat, options: reportOptions), to: out.output)
        // The matrix report has no place for input problems: they always go to standard error.
        for diagnostic in scan.diagnostics where !out.quiet || diagnostic.level == .error {
            Output.error(diagnostic.description)
        }
        if !scan.errors.isEmpty { throw ExitCode(2) }
        if let failOn = selection.failOn {
            // With --fail-on, the findings decide, as in `scan`.
            if scan.hasFindings(atOrAbove: failOn) { throw ExitCode(1) }
        } else if matrix.results.contains(where: { $0.status == .fail || $0.status == .partial }) {
            throw ExitCode(1)
        }
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
    static let configuration = CommandConfiguration(commandName: "controls", abstract: "List the controls of the shared-responsibility catalogue and the checks behind each.")

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

    func run() throws {
        func checks(_ control: Control) -> [String] { Catalogue.checks(evidencing: control).map(\.id) }
        switch out.effectiveFormat {
        case .json:
            struct Entry: Encodable {
                var id, section, layer, title, owner, statement, assessment: String
                var parent: String?
                var frameworks, checks: [String]
            }
            try out.writeJSON(Catalogue.controls.map {
                Entry(id: $0.id, section: $0.section, layer: $0.layer, title: $0.title, owner: $0.owner.rawValue, statement: $0.statement,
                      assessment: $0.assessment.rawValue, parent: $0.parent, frameworks: $0.frameworks.map(\.description), checks: checks($0))
            })
        case .markdown:
            var text = "| ID | owner | section | title | assessed from | checks |\n| --- | --- | --- | --- | --- | --- |\n"
            for control in Catalogue.controls {
                text += "| \(control.id) | \(control.owner.rawValue) | \(control.section) | \(control.title) | \(control.assessment.rawValue) | \(checks(control).count) |\n"
            }
            try out.write(text)
        case .text:
            let rows = Catalogue.controls.map { control in
                [control.id, control.owner.rawValue, control.assessment.rawValue, String(checks(control).count), control.title]
            }
            try out.write(Table.render(header: ["ID", "OWNER", "ASSESSED FROM", "CHECKS", "TITLE"], rows: rows, wrap: 4))
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List the runs recorded with `bulkhead matrix --record`.")

    @Option(help: "History database (default: $XDG_DATA_HOME/bulkhead/history.sqlite).")
    var db: String?

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

    func run() throws {
        let runs = try openStore(db).runs()
        if out.effectiveFormat == .json {
            struct Entry: Encodable {
                var id: Int64
                var startedAt, inputsDigest: String
                var counts: [String: Int]
                var findings: Int
                var inputs: [String]
            }
            let formatter = ISO8601DateFormatter()
            try out.writeJSON(runs.map { run in
                Entry(id: run.id, startedAt: formatter.string(from: run.startedAt), inputsDigest: run.inputsDigest,
                      counts: Dictionary(uniqueKeysWithValues: run.counts.map { ($0.key.rawValue, $0.value) }), findings: run.findings, inputs: run.inputs)
            })
            return
        }
        guard !runs.isEmpty else {
            try out.write("No runs recorded yet (bulkhead matrix --record ...).\n")
            return
        }
        let formatter = ISO8601DateFormatter()
        let rows = runs.map { run in
            [String(run.id), formatter.string(from: run.startedAt), String(run.inputsDigest.prefix(12)),
             "\(run.counts[.pass] ?? 0)/\(run.counts[.partial] ?? 0)/\(run.counts[.fail] ?? 0)/\(run.counts[.notAssessed] ?? 0)",
             String(run.findings), run.inputs.prefix(3).joined(separator: " ") + (run.inputs.count > 3 ? " …" : "")]
        }
        try out.write(Table.render(header: ["RUN", "STARTED", "INPUTS", "PASS/PARTIAL/FAIL/N.A.", "FINDINGS", "PATHS"], rows: rows, wrap: 5))
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

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

    func run() throws {
        let diff: HistoryStore.RunDiff
        do {
            diff = try openStore(db).diff(from: from, to: to)
        } catch let error as HistoryStore.HistoryError {
            throw ValidationError(error.description)
        }
        if out.effectiveFormat == .json {
            struct Change: Encodable { var id: String; var before, after: String? }
            struct Entry: Encodable {
                var from, to: Int64
                var controls: [Change]
                var newFindings, fixedFindings: [String]
                var unchangedFindings: Int
            }
            try out.writeJSON(Entry(from: diff.from, to: diff.to,
                                    controls: diff.controls.map { Change(id: $0.id, before: $0.before?.rawValue, after: $0.after?.rawValue) },
                                    newFindings: diff.newFindings.map { "\($0)" }, fixedFindings: diff.fixedFindings.map { "\($0)" },
                                    unchangedFindings: diff.unchangedFindings))
            return
        }
        var text = "Run \(diff.from) → run \(diff.to)\n"
        if diff.controls.isEmpty {
            text += "Controls: no change\n"
        } else {
            text += "Controls:\n"
            for change in diff.controls {
                text += "  \(change.id): \(change.before?.label ?? "—") → \(change.after?.label ?? "—")\n"
            }
        }
        text += "Findings: \(diff.newFindings.count) new, \(diff.fixedFindings.count) fixed, \(diff.unchangedFindings) unchanged\n"
        for finding in diff.newFindings.prefix(50) { text += "  + \(finding)\n" }
        for finding in diff.fixedFindings.prefix(50) { text += "  - \(finding)\n" }
        try out.write(text)
    }
}
