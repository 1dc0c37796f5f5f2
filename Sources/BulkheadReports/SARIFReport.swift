import BulkheadCore
import Foundation

/// SARIF 2.1.0 (OASIS), as GitHub code scanning and other viewers read it: one rule per check
/// with its help text, one result per finding with a physical location, suppressed findings
/// carried with their `suppressions`, and input errors as tool execution notifications.
public enum SARIFReport {
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    struct Log: Encodable {
        var version = "2.1.0"
        var schema = SARIFReport.schemaURI
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case version
            case schema = "$schema"
            case runs
        }
    }

    struct Run: Encodable {
        var tool: Tool
        var invocations: [Invocation]
        var results: [Result]
        var columnKind = "unicodeCodePoints"
    }

    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name = "bulkhead"
        var version: String
        var semanticVersion: String
        var rules: [Rule]
    }

    struct Text: Encodable {
        var text: String
        var markdown: String?
    }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var fullDescription: Text
        var help: Text
        var helpUri: String?
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct Configuration: Encodable { var level: String }

    struct RuleProperties: Encodable {
        var tags: [String]
        var securitySeverity: String
        var controls: [String]
        var frameworks: [String]

        enum CodingKeys: String, CodingKey {
            case tags
            case securitySeverity = "security-severity"
            case controls
            case frameworks
        }
    }

    struct Invocation: Encodable {
        var executionSuccessful: Bool
        var toolExecutionNotifications: [Notification]
    }

    struct Notification: Encodable {
        var level: String
        var message: Text
        var locations: [Location]?
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int?
        var level: String
        var message: Text
        var locations: [Location]
        var suppressions: [SARIFSuppression]?
        var properties: ResultProperties
    }

    struct ResultProperties: Encodable {
        var fieldPath: String
        var severity: String
        var controls: [String]
    }

    struct SARIFSuppression: Encodable {
        var kind: String
        var justification: String
    }

    struct Location: Encodable {
        /// Nil for a cloud resource or an event: there is no file to open.
        var physicalLocation: PhysicalLocation?
        var logicalLocations: [LogicalLocation]?
    }

    /// A file position, or (cloud resource, event) a logical location only.
    static func location(_ location: SourceLocation, qualified: String? = nil) -> Location {
        guard location.isFilePosition else {
            return Location(physicalLocation: nil, logicalLocations: [LogicalLocation(fullyQualifiedName: location.description)])
        }
        return Location(
            physicalLocation: PhysicalLocation(
                artifactLocation: ArtifactLocation(uri: uri(location.file)),
                region: Region(startLine: max(1, location.line), startColumn: max(1, location.column))),
            logicalLocations: qualified.map { [LogicalLocation(fullyQualifiedName: $0)] })
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }

    struct ArtifactLocation: Encodable { var uri: String }

    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
    }

    struct LogicalLocation: Encodable {
        var fullyQualifiedName: String
        var kind = "resource"
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        case .info: return "0.0"
        }
    }

    /// A relative URI reference for a path as given on the command line.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        var trimmed = path
        if trimmed.hasPrefix("./") { trimmed.removeFirst(2) }
        return trimmed.addingPercentEncoding(withAllowedCharacters: allowed) ?? trimmed
    }

    public static func render(_ result: ScanResult, context: ReportContext) throws -> String {
        let descriptors = context.registry.descriptors
        var ruleIndex: [String: Int] = [:]
        let rules = descriptors.enumerated().map { index, descriptor -> Rule in
            ruleIndex[descriptor.id] = index
            let frameworks = descriptor.frameworks.map(\.description)
            let help = "\(descriptor.description)\n\nRemediation: \(descriptor.remediation)"
            let markdown = "\(descriptor.description)\n\n**Remediation:** \(descriptor.remediation)\n\n"
                + (frameworks.isEmpty ? "" : "**References:** " + frameworks.joined(separator: "; "))
            return Rule(
                id: descriptor.id, name: SARIFReport.ruleName(descriptor.title),
                shortDescription: Text(text: descriptor.title), fullDescription: Text(text: descriptor.description),
                help: Text(text: help, markdown: markdown), helpUri: descriptor.helpURI,
                defaultConfiguration: Configuration(level: level(descriptor.severity)),
                properties: RuleProperties(tags: ["security", descriptor.category], securitySeverity: securitySeverity(descriptor.severity),
                                           controls: descriptor.controls, frameworks: frameworks))
        }
        func sarifResult(_ finding: Finding) -> Result {
            let resource = finding.resource
            let qualified = [resource.kind, resource.namespace, resource.name].compactMap { $0 }.joined(separator: "/")
            return Result(
                ruleId: finding.checkID, ruleIndex: ruleIndex[finding.checkID], level: level(finding.severity),
                message: Text(text: "\(resource): \(finding.message)"),
                locations: [SARIFReport.location(finding.location, qualified: qualified)],
                suppressions: finding.suppression.map { suppression in
                    [SARIFSuppression(kind: suppression.source == .annotation ? "inSource" : "external", justification: suppression.reason)]
                },
                properties: ResultProperties(fieldPath: finding.fieldPath, severity: finding.severity.rawValue, controls: finding.controls))
        }
        let notifications = result.diagnostics.map { diagnostic -> Notification in
            var text = diagnostic.message
            if let field = diagnostic.field { text = "\(field): \(text)" }
            let region = diagnostic.line > 0 ? Region(startLine: diagnostic.line, startColumn: max(1, diagnostic.column)) : nil
            return Notification(
                level: diagnostic.level == .error ? "error" : "warning", message: Text(text: text),
                locations: [Location(physicalLocation: PhysicalLocation(artifactLocation: ArtifactLocation(uri: uri(diagnostic.file)), region: region))])
        }
        // Checks that could not judge a resource are neither results (nothing was found) nor passes.
        let notAssessed = result.notAssessed.map { item -> Notification in
            Notification(
                level: "note", message: Text(text: "\(item.checkID) not assessed on \(item.resource): \(item.reason)"),
                locations: [SARIFReport.location(item.location)])
        }
        let log = Log(runs: [Run(
            tool: Tool(driver: Driver(version: context.toolVersion, semanticVersion: context.toolVersion, rules: rules)),
            invocations: [Invocation(executionSuccessful: result.errors.isEmpty, toolExecutionNotifications: notifications + notAssessed)],
            results: result.findings.map(sarifResult) + result.suppressed.map(sarifResult))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(log), as: UTF8.self) + "\n"
    }
}

extension SARIFReport {
    /// SARIF's `reportingDescriptor.name` is an identifier-like name: the title in PascalCase
    /// ("Capabilities beyond the default set" → "CapabilitiesBeyondTheDefaultSet").
    static func ruleName(_ title: String) -> String {
        title.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { word in
            word.prefix(1).uppercased() + word.dropFirst()
        }.joined()
    }
}
