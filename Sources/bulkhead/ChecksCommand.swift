import ArgumentParser
import BulkheadCatalogue
import BulkheadCore
import BulkheadKubernetes
import Foundation

struct ChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checks", abstract: "List every check: ID, category, severity, controls.")

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

    @Option(help: ArgumentHelp("Only these checks: IDs or categories, comma-separated.", valueName: "checks"))
    var only: String?

    func run() throws {
        let selectors = only?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
        let registry: CheckRegistry
        do { registry = try Catalogue.checks(only: selectors) } catch { throw ValidationError("--only: \(error.description)") }
        let podSecurity = Dictionary(uniqueKeysWithValues: KubernetesChecks.podSecurity.checks.map { ($0.id, $0) })
        switch out.effectiveFormat {
        case .json:
            struct Entry: Encodable {
                var id, title, severity, category, scope: String
                var controls: [String]
                var versions: String?
            }
            try out.writeJSON(registry.descriptors.map {
                Entry(id: $0.id, title: $0.title, severity: $0.severity.rawValue, category: $0.category, scope: $0.scope.rawValue,
                      controls: $0.controls, versions: podSecurity[$0.id]?.versionHistory)
            })
        case .markdown:
            try out.write(Self.markdown(registry))
        case .text:
            let rows = registry.descriptors.map { descriptor -> [String] in
                [descriptor.id, descriptor.category, descriptor.severity.rawValue, descriptor.controls.joined(separator: ", ")]
            }
            try out.write(Table.render(header: ["ID", "CATEGORY", "SEVERITY", "CONTROLS"], rows: rows, wrap: 3))
        }
    }

    /// The README's table of checks: one row per category, the checks of each with the Pod
    /// Security version that brought them in (a test keeps README.md equal to this).
    static func markdown(_ registry: CheckRegistry) -> String {
        let podSecurity = Dictionary(uniqueKeysWithValues: KubernetesChecks.podSecurity.checks.map { ($0.id, $0) })
        var order: [String] = []
        var byCategory: [String: [String]] = [:]
        for descriptor in registry.descriptors {
            let category = descriptor.category.hasPrefix("pod-security/") ? String(descriptor.category.dropFirst("pod-security/".count)) : descriptor.category
            if byCategory[category] == nil { order.append(category) }
            var entry = "`\(descriptor.id)`"
            if let first = podSecurity[descriptor.id]?.implementations.first, first.minimumMinor > 0 {
                entry += " (v1.\(first.minimumMinor)+)"
            }
            if descriptor.severity == .info { entry += " (info)" }
            byCategory[category, default: []].append(entry)
        }
        var text = "| category | checks |\n| --- | --- |\n"
        for category in order {
            text += "| \(category) | \((byCategory[category] ?? []).joined(separator: ", ")) |\n"
        }
        return text
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Describe a check (what it looks for, how to fix it, its control mapping, its examples) or a control (statement, owner, requirements, the checks behind it).")

    @Argument(help: "A check ID (`bulkhead checks`) or a control ID (`bulkhead controls`).")
    var id: String

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

    func run() throws {
        let registry = Catalogue.registry
        if let control = ControlCatalog.all.first(where: { $0.id.lowercased() == id.lowercased() }) {
            try explain(control, registry)
            return
        }
        guard let descriptor = registry.descriptor(id) else {
            let near = Catalogue.suggestions(for: id)
            throw ValidationError("no check or control \"\(id)\"" + (near.isEmpty ? "" : "; did you mean \(near.map { "\"\($0)\"" }.joined(separator: ", "))?")
                                  + " (see `bulkhead checks` and `bulkhead controls`)")
        }
        if out.effectiveFormat == .json {
            struct Example: Encodable { var expect: String; var manifest: String; var note: String? }
            struct Entry: Encodable {
                var id, title, severity, category, scope, description, remediation: String
                var controls, frameworks: [String]
                var helpURI: String?
                var examples: [Example]
            }
            try out.writeJSON(Entry(
                id: descriptor.id, title: descriptor.title, severity: descriptor.severity.rawValue, category: descriptor.category,
                scope: descriptor.scope.rawValue, description: descriptor.description, remediation: descriptor.remediation,
                controls: descriptor.controls, frameworks: descriptor.frameworks.map(\.description), helpURI: descriptor.helpURI,
                examples: descriptor.examples.map { Example(expect: $0.expect.rawValue, manifest: $0.manifest, note: $0.note) }))
            return
        }
        let markdown = out.effectiveFormat == .markdown
        var text = markdown ? "## \(descriptor.id): \(descriptor.title)\n\n" : "\(descriptor.id): \(descriptor.title)\n"
        text += "Severity: \(descriptor.severity.rawValue)    Category: \(descriptor.category)    Scope: \(descriptor.scope.rawValue)"
        if descriptor.category.hasPrefix("aws/") {
            text += descriptor.scope == .object ? " (one resource)\n" : " (follows references to other resources of the input)\n"
        } else {
            text += descriptor.scope == .object ? " (also judged by the admission webhook)\n" : " (needs other objects of the input; not run by the webhook)\n"
        }
        if let check = KubernetesChecks.podSecurity.checks.first(where: { $0.id == descriptor.id }) {
            text += "Pod Security level: \(check.level.rawValue), \(check.versionHistory)\n"
        }
        text += "\n\(descriptor.description)\n\nRemediation: \(descriptor.remediation)\n"
        text += "\nControls (shared-responsibility matrix):\n"
        for id in descriptor.controls {
            if let control = ControlCatalog.controls[id] {
                text += "  \(id): \(control.layer) / \(control.title) (owner: \(control.owner.rawValue))\n"
            } else {
                text += "  \(id)\n"
            }
        }
        if !descriptor.frameworks.isEmpty {
            text += "\nFramework references:\n"
            for reference in descriptor.frameworks { text += "  \(reference)\n" }
        }
        if let uri = descriptor.helpURI { text += "\nSee: \(uri)\n" }
        text += "\nExamples:\n"
        for example in descriptor.examples {
            var heading = example.expect == .violation ? "Fails" : "Passes"
            var settings: [String] = []
            if let level = example.options.podSecurityLevel { settings.append("--level \(level)") }
            if let version = example.options.podSecurityVersion { settings.append("--pss-version \(version)") }
            if !settings.isEmpty { heading += " (with \(settings.joined(separator: " ")))" }
            if let note = example.note { heading += " — \(note)" }
            text += "\n  \(heading):\n"
            text += example.manifest.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
            text += "\n"
        }
        try out.write(text)
    }
}

extension ExplainCommand {
    func explain(_ control: Control, _ registry: CheckRegistry) throws {
        let checks = Catalogue.checks(evidencing: control)
        if out.effectiveFormat == .json {
            struct Entry: Encodable {
                var id, title, owner, section, layer, statement, assessment: String
                var parent: String?
                var frameworks, checks, evidenceFrom: [String]
            }
            try out.writeJSON(Entry(id: control.id, title: control.title, owner: control.owner.rawValue, section: control.section,
                                         layer: control.layer, statement: control.statement, assessment: control.assessment.rawValue,
                                         parent: control.parent, frameworks: control.frameworks.map(\.description), checks: checks.map(\.id),
                                         evidenceFrom: control.evidenceFrom))
            return
        }
        var text = "\(control.id): \(control.title)\n"
        text += "Owner: \(control.owner.rawValue)    Section: \(control.section)    Layer: \(control.layer)\n"
        if let parent = control.parent { text += "Part of: \(parent)\n" }
        text += "\n\(control.statement)\n\nAssessed from: \(control.assessment.rawValue)\n"
        if control.owner == .aws { text += "\(ControlCatalog.awsAttestations)\n" }
        if !control.frameworks.isEmpty {
            text += "\nRequirements:\n"
            for reference in control.frameworks { text += "  \(reference)\n" }
        }
        if !checks.isEmpty {
            text += "\nChecks behind it:\n"
            for check in checks { text += "  \(check.id): \(check.title) (\(check.severity.rawValue))\n" }
        }
        if !control.evidenceFrom.isEmpty { text += "\nAlso evidenced by: \(control.evidenceFrom.joined(separator: ", "))\n" }
        if let probe = control.probe { text += "Probe: \(probe.rawValue)\n" }
        try out.write(text)
    }
}

enum Table {
    /// The width text output keeps to.
    static let width = 100

    /// Columns padded to their widest cell. When the table is wider than `width`, the column
    /// `wrap` is narrowed and its cells wrapped at spaces onto continuation lines: nothing is
    /// truncated (an ID longer than the room left stays whole on its line).
    static func render(header: [String], rows: [[String]], wrap: Int? = nil) -> String {
        let all = [header] + rows
        var widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        if let wrap, widths.reduce(0, +) + 2 * (widths.count - 1) > width {
            let others = widths.enumerated().filter { $0.offset != wrap }.map(\.element).reduce(0, +) + 2 * (widths.count - 1)
            widths[wrap] = max(12, width - others)
        }
        var out = ""
        for row in all {
            let lines = row.enumerated().map { column, cell in column == wrap ? Self.wrap(cell, to: widths[column]) : [cell] }
            let height = lines.map(\.count).max() ?? 1
            for line in 0..<height {
                let cells = lines.enumerated().map { column, cellLines in
                    let cell = line < cellLines.count ? cellLines[line] : ""
                    return column == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[column] - cell.count))
                }
                var text = cells.joined(separator: "  ")
                while text.hasSuffix(" ") { text.removeLast() }
                out += text + "\n"
            }
        }
        return out
    }

    static func wrap(_ text: String, to width: Int) -> [String] {
        guard text.count > width else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
