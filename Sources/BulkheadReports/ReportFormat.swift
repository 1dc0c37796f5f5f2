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

/// Receives a report in pieces, in order; the bytes are only valid during the call.
public typealias ReportSink = (UnsafeRawBufferPointer) -> Void

enum ReportChunk {
    /// About how many bytes a streamed report hands to its sink at a time.
    static let size = 1 << 16
}

public enum Reports {
    public static func render(_ result: ScanResult, format: ReportFormat, context: ReportContext) throws -> String {
        switch format {
        case .text: return TextReport.render(result, context: context)
        case .json: return JSONReport.render(result, context: context)
        case .sarif: return try SARIFReport.render(result, context: context)
        }
    }

    /// Writes the report to `sink` as it is produced: the JSON report of tens of thousands of
    /// findings goes out in pieces instead of being built whole (and copied) first.
    public static func write(_ result: ScanResult, format: ReportFormat, context: ReportContext, to sink: @escaping ReportSink) throws {
        switch format {
        case .json:
            JSONReport.write(result, context: context, to: sink)
        case .text, .sarif:
            var text = try render(result, format: format, context: context)
            text.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
        }
    }
}
