import BulkheadCore
import Foundation

/// The machine report. Its shape is documented in docs/json-report.md and
/// docs/json-report.schema.json; `schemaVersion` changes when a field is removed or changes meaning.
public enum JSONReport {
    public static let schemaVersion = "1.1"

    public static func render(_ result: ScanResult, context: ReportContext) -> String {
        var bytes: [UInt8] = []
        write(result, context: context) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the report to `sink` in pieces as it is produced.
    public static func write(_ result: ScanResult, context: ReportContext, to sink: @escaping ReportSink) {
        var bySeverity: [String: Int] = [:]
        for severity in Severity.allCases { bySeverity[severity.rawValue] = 0 }
        for finding in result.findings { bySeverity[finding.severity.rawValue, default: 0] += 1 }
        var writer = JSONWriter(sink: sink)
        writer.object { json in
            json.field("schemaVersion", schemaVersion)
            json.object("tool") { tool in
                tool.field("name", "bulkhead")
                tool.field("version", context.toolVersion)
            }
            json.object("summary") { summary in
                let stats = result.stats
                summary.field("files", stats.files)
                summary.field("documents", stats.documents)
                summary.field("resources", stats.resources)
                summary.field("resourcesChecked", stats.resourcesChecked)
                summary.object("skippedKinds") { kinds in
                    for (kind, count) in stats.skippedKinds.sorted(by: { $0.key < $1.key }) { kinds.field(kind, count) }
                }
                summary.field("notObjects", stats.notObjects)
                summary.field("findings", result.findings.count)
                summary.object("bySeverity") { counts in
                    for severity in Severity.allCases { counts.field(severity.rawValue, bySeverity[severity.rawValue] ?? 0) }
                }
                summary.field("suppressed", result.suppressed.count)
                summary.field("errors", result.errors.count)
                summary.field("warnings", result.diagnostics.count - result.errors.count)
                summary.field("failOn", context.failOn.rawValue)
                summary.field("failed", result.hasFindings(atOrAbove: context.failOn))
                summary.field("notAssessed", result.notAssessed.count)
                summary.field("templateResources", stats.templateResources)
            }
            json.array("findings") { list in
                for finding in result.findings { write(finding, into: &list) }
            }
            json.array("suppressed") { list in
                for finding in result.suppressed { write(finding, into: &list) }
            }
            json.array("diagnostics") { list in
                for diagnostic in result.diagnostics {
                    list.element { entry in
                        entry.field("level", diagnostic.level.rawValue)
                        entry.field("file", diagnostic.file)
                        entry.field("line", diagnostic.line)
                        entry.field("column", diagnostic.column)
                        entry.field("field", diagnostic.field)
                        entry.field("message", diagnostic.message)
                    }
                }
            }
            json.array("expiredExceptions") { list in
                for expired in result.expiredExceptions {
                    list.element { entry in
                        entry.field("file", expired.file)
                        entry.field("line", expired.line)
                        entry.field("checks", expired.checks)
                        entry.field("reason", expired.reason)
                        entry.field("expires", expired.expires)
                        entry.field("findings", expired.findings)
                    }
                }
            }
            json.array("notAssessed") { list in
                for item in result.notAssessed {
                    list.element { entry in
                        entry.field("checkID", item.checkID)
                        writeLocation(item.location, into: &entry)
                        entry.field("fieldPath", item.fieldPath)
                        writeResource(item.resource, into: &entry)
                        entry.field("reason", item.reason)
                    }
                }
            }
        }
        writer.finish()
    }

    static func write(_ finding: Finding, into list: inout JSONWriter) {
        list.element { entry in
            entry.field("checkID", finding.checkID)
            entry.field("title", finding.title)
            entry.field("category", finding.category)
            entry.field("severity", finding.severity.rawValue)
            entry.field("message", finding.message)
            writeLocation(finding.location, into: &entry)
            entry.field("fieldPath", finding.fieldPath)
            writeResource(finding.resource, into: &entry)
            entry.field("controls", finding.controls)
            entry.field("remediation", finding.remediation)
            if let suppression = finding.suppression {
                entry.object("suppression") { object in
                    object.field("source", suppression.source.rawValue)
                    object.field("reason", suppression.reason)
                    object.field("expires", suppression.expires)
                }
            }
        }
    }

    static func writeLocation(_ location: SourceLocation, into entry: inout JSONWriter) {
        entry.field("file", location.file)
        entry.field("line", location.line)
        entry.field("column", location.column)
        if let cloud = location.cloud {
            entry.object("cloud") { object in
                object.field("provider", cloud.provider)
                object.field("account", cloud.account)
                object.field("region", cloud.region)
                object.field("type", cloud.type)
                object.field("id", cloud.id)
                if let arn = cloud.arn { object.field("arn", arn) }
            }
        }
        if let event = location.event {
            entry.object("event") { object in
                object.field("id", event.id)
                if let time = event.time { object.field("time", time) }
            }
        }
    }

    static func writeResource(_ ref: ResourceRef, into entry: inout JSONWriter) {
        entry.object("resource") { resource in
            resource.field("apiVersion", ref.apiVersion)
            resource.field("kind", ref.kind)
            resource.field("namespace", ref.namespace)
            resource.field("name", ref.name)
        }
    }
}
