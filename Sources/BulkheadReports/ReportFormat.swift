import BulkheadCore

public enum ReportFormat: String, Sendable, CaseIterable {
    case text
    case json
    case sarif
}

/// What every report needs besides the scan result.
public struct ReportContext: Sendable {
    public var toolVersion: String
    public var registry: CheckRegistry
    public var showSuppressed: Bool
    public var color: Bool
    public var failOn: Severity

    public init(toolVersion: String, registry: CheckRegistry, showSuppressed: Bool = false, color: Bool = false, failOn: Severity = .low) {
        self.toolVersion = toolVersion
        self.registry = registry
        self.showSuppressed = showSuppressed
        self.color = color
        self.failOn = failOn
    }
}

public enum Reports {
    public static func render(_ result: ScanResult, format: ReportFormat, context: ReportContext) throws -> String {
        switch format {
        case .text: return TextReport.render(result, context: context)
        case .json: return try JSONReport.render(result, context: context)
        case .sarif: return try SARIFReport.render(result, context: context)
        }
    }
}
