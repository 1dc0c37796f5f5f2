import BulkheadCore
import Foundation

public enum MatrixFormat: String, Sendable, CaseIterable {
    case text
    case json
    case markdown
    case junit
    case html
}

public struct MatrixReportOptions: Sendable {
    public var framework: FrameworkReference.Framework?
    public var toolVersion: String
    public var color: Bool
    /// Per control: previous statuses, oldest first (from the history database).
    public var trends: [String: [ControlStatus]]

    public init(framework: FrameworkReference.Framework? = nil, toolVersion: String, color: Bool = false, trends: [String: [ControlStatus]] = [:]) {
        self.framework = framework
        self.toolVersion = toolVersion
        self.color = color
        self.trends = trends
    }
}

public enum MatrixReports {
    public static func render(_ matrix: Matrix, format: MatrixFormat, options: MatrixReportOptions) throws -> String {
        switch format {
        case .text: return text(matrix, options)
        case .json: return try json(matrix, options)
        case .markdown: return markdown(matrix, options)
        case .junit: return junit(matrix, options)
        case .html: return MatrixHTML.render(matrix, options)
        }
    }

    static func evidenceSummary(_ result: ControlResult) -> String {
        result.status == .inherited ? "documented in AWS Artifact" : result.reason
    }

    static func trend(_ result: ControlResult, _ options: MatrixReportOptions) -> String {
        guard let history = options.trends[result.control.id], !history.isEmpty else { return "" }
        return (history + [result.status]).map(\.label).joined(separator: " → ")
    }

    // MARK: text

    static func text(_ matrix: Matrix, _ options: MatrixReportOptions) -> String {
        func paint(_ status: ControlStatus) -> String {
            let label = status.label.uppercased().padding(toLength: 14, withPad: " ", startingAt: 0)
            guard options.color else { return label }
            let code: String
            switch status {
            case .pass: code = "32"
            case .partial: code = "33"
            case .fail: code = "1;31"
            case .notAssessed: code = "2"
            case .inherited: code = "34"
            }
            return "\u{1B}[\(code)m\(label)\u{1B}[0m"
        }
        var out = "Shared-responsibility matrix — \(ISO8601DateFormatter().string(from: matrix.generated)), "
        out += "\(matrix.scan.stats.files) file(s), \(matrix.scan.stats.resources) resource(s), inputs \(matrix.inputsDigest.prefix(12))\n"
        if let framework = options.framework {
            out += "\n\(framework.rawValue), requirement by requirement\n"
            for requirement in matrix.requirements(of: framework) {
                out += "  \(paint(requirement.status)) \(requirement.requirement.padding(toLength: 48, withPad: " ", startingAt: 0)) "
                out += requirement.controls.map { "\($0.control.id) (\($0.status.label))" }.joined(separator: ", ") + "\n"
            }
            return out
        }
        let aws = matrix.results.filter { $0.control.owner == .aws }
        out += "\nAWS — security OF the cloud\n"
        for layer in ordered(aws.map(\.control.layer)) {
            let names = aws.filter { $0.control.layer == layer }.map(\.control.title).joined(separator: ", ")
            out += "  \(paint(.inherited)) \(layer): \(names)\n"
        }
        out += "\nCUSTOMER — security IN the cloud\n"
        var section = ""
        for result in matrix.results where result.control.owner != .aws {
            if result.control.section != section {
                section = result.control.section
                out += "\n  \(section)\n"
            }
            let indent = result.control.parent == nil ? "" : "  "
            out += "    \(paint(result.status)) \(indent)\(result.control.id.padding(toLength: 30, withPad: " ", startingAt: 0)) \(result.control.title)\n"
            if result.status != .notAssessed || result.control.assessment == .manifests {
                out += "        \(evidenceSummary(result))\n"
            }
            let trendText = trend(result, options)
            if !trendText.isEmpty { out += "        trend: \(trendText)\n" }
        }
        out += "\nCoverage by layer\n"
        for coverage in matrix.coverageByLayer {
            let parts = ControlStatus.allCases.compactMap { status -> String? in
                guard let count = coverage.counts[status], count > 0 else { return nil }
                return "\(count) \(status.label)"
            }
            out += "  \(coverage.group.padding(toLength: 36, withPad: " ", startingAt: 0)) \(parts.joined(separator: ", "))\n"
        }
        out += summaryLine(matrix) + "\n"
        return out
    }

    static func summaryLine(_ matrix: Matrix) -> String {
        let customer = matrix.results.filter { $0.control.owner != .aws }
        var counts: [ControlStatus: Int] = [:]
        for result in customer { counts[result.status, default: 0] += 1 }
        let assessed = (counts[.pass] ?? 0) + (counts[.partial] ?? 0) + (counts[.fail] ?? 0)
        return "Customer controls: \(customer.count); pass \(counts[.pass] ?? 0), partial \(counts[.partial] ?? 0), "
            + "fail \(counts[.fail] ?? 0), not assessed \(counts[.notAssessed] ?? 0) (\(assessed * 100 / max(customer.count, 1)) % assessed); "
            + "AWS-inherited: \(matrix.results.count - customer.count)"
    }

    static func ordered(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    // MARK: JSON

    struct JSONDocument: Encodable {
        var schemaVersion = "1.0"
        var tool: String
        var generated: String
        var inputs: [String]
        var inputsDigest: String
        var controls: [JSONControl]
        var coverageByLayer: [JSONCoverage]
        var coverageByOwner: [JSONCoverage]
        var framework: JSONFramework?
    }

    struct JSONControl: Encodable {
        var id, section, layer, title, owner, statement, assessment, status, reason: String
        var parent: String?
        var frameworks: [String]
        var checks: [String]
        var findings: [JSONFinding]
        var examined: Int
        var trend: [String]?
    }

    struct JSONFinding: Encodable {
        var checkID, severity, message, file, fieldPath, resource: String
        var line: Int
    }

    struct JSONCoverage: Encodable {
        var group: String
        var counts: [String: Int]
    }

    struct JSONFramework: Encodable {
        var name: String
        var requirements: [JSONRequirement]
    }

    struct JSONRequirement: Encodable {
        var requirement, status: String
        var controls: [String]
    }

    static func json(_ matrix: Matrix, _ options: MatrixReportOptions) throws -> String {
        func coverage(_ list: [Matrix.Coverage]) -> [JSONCoverage] {
            list.map { JSONCoverage(group: $0.group, counts: Dictionary(uniqueKeysWithValues: $0.counts.map { ($0.key.rawValue, $0.value) })) }
        }
        let document = JSONDocument(
            tool: "bulkhead \(options.toolVersion)", generated: ISO8601DateFormatter().string(from: matrix.generated),
            inputs: matrix.inputs, inputsDigest: matrix.inputsDigest,
            controls: matrix.results.map { result in
                JSONControl(
                    id: result.control.id, section: result.control.section, layer: result.control.layer, title: result.control.title,
                    owner: result.control.owner.rawValue, statement: result.control.statement, assessment: result.control.assessment.rawValue,
                    status: result.status.rawValue, reason: result.reason, parent: result.control.parent,
                    frameworks: result.control.frameworks.map(\.description), checks: result.checks,
                    findings: result.findings.map {
                        JSONFinding(checkID: $0.checkID, severity: $0.severity.rawValue, message: $0.message, file: $0.location.file,
                                    fieldPath: $0.fieldPath, resource: $0.resource.description, line: $0.location.line)
                    },
                    examined: result.examined.count,
                    trend: options.trends[result.control.id].map { ($0 + [result.status]).map(\.rawValue) })
            },
            coverageByLayer: coverage(matrix.coverageByLayer), coverageByOwner: coverage(matrix.coverageByOwner),
            framework: options.framework.map { framework in
                JSONFramework(name: framework.rawValue, requirements: matrix.requirements(of: framework).map {
                    JSONRequirement(requirement: $0.requirement, status: $0.status.rawValue, controls: $0.controls.map(\.control.id))
                })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    // MARK: Markdown

    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func markdown(_ matrix: Matrix, _ options: MatrixReportOptions) -> String {
        var out = "# Shared-responsibility matrix\n\n"
        out += "Generated \(ISO8601DateFormatter().string(from: matrix.generated)) by Bulkhead \(options.toolVersion) from "
        out += "\(matrix.scan.stats.files) file(s) (inputs digest `\(matrix.inputsDigest.prefix(12))`).\n\n"
        out += "\(summaryLine(matrix))\n\n"
        if let framework = options.framework {
            out += "## \(framework.rawValue)\n\n| Requirement | Status | Controls |\n| --- | --- | --- |\n"
            for requirement in matrix.requirements(of: framework) {
                out += "| \(requirement.requirement) | \(requirement.status.label) | "
                out += markdownCell(requirement.controls.map { "\($0.control.id) (\($0.status.label))" }.joined(separator: ", ")) + " |\n"
            }
            out += "\n"
        }
        out += "## Coverage by layer\n\n| Layer | Pass | Partial | Fail | Not assessed | AWS-inherited |\n| --- | --- | --- | --- | --- | --- |\n"
        for coverage in matrix.coverageByLayer {
            out += "| \(coverage.group) | " + [ControlStatus.pass, .partial, .fail, .notAssessed, .inherited].map { String(coverage.counts[$0] ?? 0) }.joined(separator: " | ") + " |\n"
        }
        var section = ""
        for result in matrix.results {
            if result.control.section != section {
                section = result.control.section
                out += "\n## \(section)\n\n| Control | Owner | Status | Evidence |\n| --- | --- | --- | --- |\n"
            }
            out += "| \(result.control.id) \(markdownCell(result.control.title)) | \(result.control.owner.rawValue) | **\(result.status.label)** | "
            out += markdownCell(evidenceSummary(result)) + " |\n"
        }
        return out
    }

    // MARK: JUnit XML

    static func xml(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if character.value < 0x20 && character != "\n" && character != "\t" { continue }
                out.unicodeScalars.append(character)
            }
        }
        return out
    }

    static func junit(_ matrix: Matrix, _ options: MatrixReportOptions) -> String {
        let failures = matrix.results.filter { $0.status == .fail || $0.status == .partial }.count
        let skipped = matrix.results.filter { $0.status == .notAssessed || $0.status == .inherited }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"bulkhead matrix\" tests=\"\(matrix.results.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        for section in ordered(matrix.results.map(\.control.section)) {
            let results = matrix.results.filter { $0.control.section == section }
            out += "  <testsuite name=\"\(xml(section))\" tests=\"\(results.count)\" "
            out += "failures=\"\(results.filter { $0.status == .fail || $0.status == .partial }.count)\" "
            out += "skipped=\"\(results.filter { $0.status == .notAssessed || $0.status == .inherited }.count)\">\n"
            for result in results {
                out += "    <testcase classname=\"\(xml(result.control.layer))\" name=\"\(xml("\(result.control.id) \(result.control.title)"))\">\n"
                switch result.status {
                case .fail, .partial:
                    let details = result.findings.prefix(200).map {
                        "\($0.severity.rawValue) \($0.checkID) \($0.location.file):\($0.location.line) \($0.resource): \($0.message)"
                    }.joined(separator: "\n")
                    out += "      <failure message=\"\(xml("\(result.status.label): \(result.reason)"))\" type=\"\(result.status.rawValue)\">\(xml(details))</failure>\n"
                case .notAssessed, .inherited:
                    out += "      <skipped message=\"\(xml(result.reason))\"/>\n"
                case .pass:
                    out += "      <system-out>\(xml(result.reason))</system-out>\n"
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }
}
