import BulkheadCore
import Foundation

/// The machine report. Its shape is documented in docs/json-report.md and
/// docs/json-report.schema.json; `schemaVersion` changes when a field is removed or changes meaning.
public enum JSONReport {
    public static let schemaVersion = "1.0"

    struct Document: Encodable {
        var schemaVersion: String
        var tool: Tool
        var summary: Summary
        var findings: [FindingEntry]
        var suppressed: [FindingEntry]
        var diagnostics: [Diagnostic]
        var expiredExceptions: [ExpiredException]
    }

    struct Tool: Encodable {
        var name: String
        var version: String
    }

    struct Summary: Encodable {
        var files: Int
        var documents: Int
        var resources: Int
        var resourcesChecked: Int
        var skippedKinds: [String: Int]
        var notObjects: Int
        var findings: Int
        var bySeverity: [String: Int]
        var suppressed: Int
        var errors: Int
        var warnings: Int
        var failOn: String
        var failed: Bool
    }

    struct FindingEntry: Encodable {
        var checkID: String
        var title: String
        var category: String
        var severity: Severity
        var message: String
        var file: String
        var line: Int
        var column: Int
        var fieldPath: String
        var resource: ResourceRef
        var controls: [String]
        var remediation: String
        var suppression: Suppression?

        init(_ finding: Finding) {
            checkID = finding.checkID
            title = finding.title
            category = finding.category
            severity = finding.severity
            message = finding.message
            file = finding.location.file
            line = finding.location.line
            column = finding.location.column
            fieldPath = finding.fieldPath
            resource = finding.resource
            controls = finding.controls
            remediation = finding.remediation
            suppression = finding.suppression
        }
    }

    public static func render(_ result: ScanResult, context: ReportContext) throws -> String {
        var bySeverity: [String: Int] = [:]
        for severity in Severity.allCases { bySeverity[severity.rawValue] = 0 }
        for finding in result.findings { bySeverity[finding.severity.rawValue, default: 0] += 1 }
        let document = Document(
            schemaVersion: schemaVersion,
            tool: Tool(name: "bulkhead", version: context.toolVersion),
            summary: Summary(
                files: result.stats.files, documents: result.stats.documents, resources: result.stats.resources,
                resourcesChecked: result.stats.resourcesChecked, skippedKinds: result.stats.skippedKinds,
                notObjects: result.stats.notObjects, findings: result.findings.count, bySeverity: bySeverity,
                suppressed: result.suppressed.count, errors: result.errors.count,
                warnings: result.diagnostics.count - result.errors.count, failOn: context.failOn.rawValue,
                failed: result.hasFindings(atOrAbove: context.failOn)),
            findings: result.findings.map(FindingEntry.init),
            suppressed: result.suppressed.map(FindingEntry.init),
            diagnostics: result.diagnostics,
            expiredExceptions: result.expiredExceptions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
