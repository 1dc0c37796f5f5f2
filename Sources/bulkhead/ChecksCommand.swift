import ArgumentParser
import BulkheadCore
import BulkheadKubernetes
import Foundation

struct ChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checks", abstract: "List every check: ID, level, severity, control.")

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() throws {
        let registry = AllChecks.registry
        let podSecurity = Dictionary(uniqueKeysWithValues: KubernetesChecks.podSecurity.checks.map { ($0.id, $0) })
        if json {
            struct Entry: Encodable {
                var id, title, severity, category: String
                var controls: [String]
                var versions: String?
            }
            let entries = registry.descriptors.map {
                Entry(id: $0.id, title: $0.title, severity: $0.severity.rawValue, category: $0.category,
                      controls: $0.controls, versions: podSecurity[$0.id]?.versionHistory)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try Output.write(String(decoding: try encoder.encode(entries), as: UTF8.self) + "\n", to: nil)
            return
        }
        let rows = registry.descriptors.map { descriptor -> [String] in
            let control = descriptor.controls.compactMap { ControlCatalog.controls[$0].map { "\($0.layer) / \($0.title)" } }.joined(separator: ", ")
            return [descriptor.id, descriptor.category, descriptor.severity.rawValue, podSecurity[descriptor.id]?.versionHistory ?? "", control]
        }
        try Output.write(Table.render(header: ["ID", "LEVEL", "SEVERITY", "VERSIONS", "CONTROL"], rows: rows), to: nil)
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Describe a check (what it looks for, how to fix it, its control mapping, its examples) or a control (statement, owner, requirements, the checks behind it).")

    @Argument(help: "A check ID (`bulkhead checks`) or a control ID (`bulkhead controls`).")
    var id: String

    func run() throws {
        let registry = AllChecks.registry
        if let control = ControlCatalog.all.first(where: { $0.id.lowercased() == id.lowercased() }) {
            try explain(control, registry)
            return
        }
        guard let descriptor = registry.descriptor(id) else {
            let known = registry.descriptors.map(\.id).joined(separator: ", ")
            throw ValidationError("no check or control \"\(id)\". Known checks: \(known). Controls: `bulkhead controls`")
        }
        var out = "\(descriptor.id): \(descriptor.title)\n"
        out += "Severity: \(descriptor.severity.rawValue)    Category: \(descriptor.category)    Scope: \(descriptor.scope.rawValue)"
        if descriptor.category.hasPrefix("aws/") {
            out += descriptor.scope == .object ? " (one resource)\n" : " (follows references to other resources of the input)\n"
        } else {
            out += descriptor.scope == .object ? " (also judged by the admission webhook)\n" : " (needs other objects of the input; not run by the webhook)\n"
        }
        if let check = KubernetesChecks.podSecurity.checks.first(where: { $0.id == descriptor.id }) {
            out += "Pod Security level: \(check.level.rawValue), \(check.versionHistory)\n"
        }
        out += "\n\(descriptor.description)\n\nRemediation: \(descriptor.remediation)\n"
        out += "\nControls (shared-responsibility matrix):\n"
        for id in descriptor.controls {
            if let control = ControlCatalog.controls[id] {
                out += "  \(id): \(control.layer) / \(control.title) (owner: \(control.owner.rawValue))\n"
            } else {
                out += "  \(id)\n"
            }
        }
        if !descriptor.frameworks.isEmpty {
            out += "\nFramework references:\n"
            for reference in descriptor.frameworks { out += "  \(reference)\n" }
        }
        if let uri = descriptor.helpURI { out += "\nSee: \(uri)\n" }
        out += "\nExamples:\n"
        for example in descriptor.examples {
            var heading = example.expect == .violation ? "Fails" : "Passes"
            var settings: [String] = []
            if let level = example.options.podSecurityLevel { settings.append("--level \(level)") }
            if let version = example.options.podSecurityVersion { settings.append("--pss-version \(version)") }
            if !settings.isEmpty { heading += " (with \(settings.joined(separator: " ")))" }
            if let note = example.note { heading += " — \(note)" }
            out += "\n  \(heading):\n"
            out += example.manifest.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
            out += "\n"
        }
        try Output.write(out, to: nil)
    }
}

extension ExplainCommand {
    func explain(_ control: Control, _ registry: CheckRegistry) throws {
        var out = "\(control.id): \(control.title)\n"
        out += "Owner: \(control.owner.rawValue)    Section: \(control.section)    Layer: \(control.layer)\n"
        if let parent = control.parent { out += "Part of: \(parent)\n" }
        out += "\n\(control.statement)\n\nAssessed from: \(control.assessment.rawValue)\n"
        if control.owner == .aws { out += "\(ControlCatalog.awsAttestations)\n" }
        if !control.frameworks.isEmpty {
            out += "\nRequirements:\n"
            for reference in control.frameworks { out += "  \(reference)\n" }
        }
        let checks = registry.descriptors.filter { $0.controls.contains(control.id) }
        if !checks.isEmpty {
            out += "\nChecks behind it:\n"
            for check in checks { out += "  \(check.id): \(check.title) (\(check.severity.rawValue))\n" }
        }
        if !control.evidenceFrom.isEmpty { out += "\nAlso evidenced by: \(control.evidenceFrom.joined(separator: ", "))\n" }
        if let probe = control.probe { out += "Probe: \(probe.rawValue)\n" }
        try Output.write(out, to: nil)
    }
}

enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
