import BulkheadCore

/// The human report: grouped by file and resource, worst first within a resource, with a
/// closing summary line. Colour only when asked (the CLI asks on a terminal without NO_COLOR).
public enum TextReport {
    public static func render(_ result: ScanResult, context: ReportContext) -> String {
        let paint = Paint(enabled: context.color)
        var out = ""
        for diagnostic in result.diagnostics {
            let label = diagnostic.level == .error ? paint.red("error") : paint.yellow("warning")
            var place = diagnostic.file
            if diagnostic.line > 0 { place += ":\(diagnostic.line):\(diagnostic.column)" }
            out += "\(place): \(label): "
            if let field = diagnostic.field { out += "\(field): " }
            out += diagnostic.message + "\n"
        }
        if !result.diagnostics.isEmpty { out += "\n" }

        // Findings arrive grouped by file and resource (input order); group by index so the
        // (large) findings are not copied.
        let shown = context.showSuppressed ? result.findings + result.suppressed : result.findings
        var files: [String] = []
        var byFile: [String: [Int]] = [:]
        for index in shown.indices {
            // Findings on a cloud account's resources are grouped by account and region.
            let location = shown[index].location
            let file = location.cloud.map { "\($0.provider)://\($0.account)/\($0.region)" } ?? location.file
            if byFile[file] == nil { files.append(file) }
            byFile[file, default: []].append(index)
        }
        out.reserveCapacity(shown.count * 300)
        for file in files {
            out += paint.bold(file) + "\n"
            var resources: [ResourceRef] = []
            var byResource: [ResourceRef: [Int]] = [:]
            for index in byFile[file] ?? [] {
                let resource = shown[index].resource
                if byResource[resource] == nil { resources.append(resource) }
                byResource[resource, default: []].append(index)
            }
            for resource in resources {
                out += "  \(resource)\n"
                // Sorted by index keys, not by the findings themselves: comparing two findings
                // through copies costs a retain per string field.
                let indices = (byResource[resource] ?? []).sorted {
                    let (a, b) = (shown[$0].severity, shown[$1].severity)
                    return a != b ? a > b : shown[$0].location.line < shown[$1].location.line
                }
                for index in indices {
                    write(shown[index], into: &out, paint: paint)
                }
            }
            out += "\n"
        }
        for expired in result.expiredExceptions {
            out += "\(expired.file):\(expired.line): \(paint.yellow("warning")): exception for \(expired.checks.joined(separator: ",")) "
                + "expired on \(expired.expires) (\(expired.reason)); it no longer suppresses \(expired.findings) finding(s)\n"
        }
        if !result.notAssessed.isEmpty {
            out += paint.bold("Not assessed") + " (the check could not judge the resource; not counted as a pass)\n"
            for item in result.notAssessed {
                out += "  \(item.location) \(item.checkID) \(item.resource): \(item.reason)\n"
            }
            out += "\n"
        }
        out += summary(result, context: context, paint: paint) + "\n"
        return out
    }

    private static func write(_ finding: Finding, into out: inout String, paint: Paint) {
        out += "    "
        out += paint.severity(finding.severity)
        out += " "
        out += finding.checkID
        out += " "
        if finding.location.isFilePosition {
            out += paint.dim("line \(finding.location.line):\(finding.location.column)")
            out += " "
        } else if let arn = finding.location.cloud?.arn {
            out += paint.dim(arn)
            out += " "
        }
        out += finding.fieldPath
        out += "\n        "
        out += finding.message
        out += "\n        "
        if let suppression = finding.suppression {
            out += paint.dim("suppressed (\(suppression.source.rawValue)): \(suppression.reason)")
        } else if paint.enabled {
            out += paint.dim("fix: \(finding.remediation)")
        } else {
            out += "fix: "
            out += finding.remediation
        }
        out += "\n"
    }

    static func summary(_ result: ScanResult, context: ReportContext, paint: Paint) -> String {
        let stats = result.stats
        var counts: [String] = []
        for severity in Severity.allCases.reversed() {
            let count = result.findings.count { $0.severity == severity }
            if count > 0 { counts.append("\(count) \(severity.rawValue)") }
        }
        let total = result.findings.count
        var line = total == 0 ? paint.green("No findings") : "\(total) finding\(total == 1 ? "" : "s") (\(counts.joined(separator: ", ")))"
        line += " in \(stats.resourcesChecked) checked resource\(stats.resourcesChecked == 1 ? "" : "s")"
        line += " from \(stats.files) file\(stats.files == 1 ? "" : "s")"
        if stats.templateResources > 0 { line += " (\(stats.templateResources) resource\(stats.templateResources == 1 ? "" : "s") read from inside inputs: templates, modules, the account, images)" }
        var extras: [String] = []
        if stats.skipped > 0 {
            let kinds = stats.skippedKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            extras.append("\(stats.skipped) skipped (no checks for: \(kinds))")
        }
        if stats.notObjects > 0 { extras.append("\(stats.notObjects) unrecognised document\(stats.notObjects == 1 ? "" : "s")") }
        if !result.suppressed.isEmpty {
            extras.append("\(result.suppressed.count) suppressed" + (context.showSuppressed ? "" : " (--show-suppressed to list)"))
        }
        if !result.notAssessed.isEmpty { extras.append("\(result.notAssessed.count) not assessed") }
        let errors = result.errors.count
        if errors > 0 { extras.append(paint.red("\(errors) input error\(errors == 1 ? "" : "s")")) }
        if !extras.isEmpty { line += "; " + extras.joined(separator: "; ") }
        return line
    }
}

struct Paint {
    var enabled: Bool

    func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func yellow(_ text: String) -> String { wrap(text, "33") }

    func severity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return wrap("CRITICAL", "1;31")
        case .high: return wrap("HIGH    ", "31")
        case .medium: return wrap("MEDIUM  ", "33")
        case .low: return wrap("LOW     ", "36")
        case .info: return wrap("INFO    ", "2")
        }
    }
}
