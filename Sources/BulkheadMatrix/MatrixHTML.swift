import BulkheadCore
import Foundation

/// The matrix as one self-contained HTML file: no external asset or request, readable offline.
/// The AWS half and the customer half side by side as the model draws them, a coverage chart by
/// layer, every control expandable to its evidence with file:line links, filters by status and
/// framework. The script marks `<body data-ready="1">` when it has run and counts script errors
/// in `data-errors`, which the browser test reads.
enum MatrixHTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func chip(_ status: ControlStatus) -> String {
        "<span class=\"chip \(status.rawValue)\">\(escape(status.label))</span>"
    }

    /// A link a person can open: the file as scanned, with a line anchor.
    static func link(_ file: String, _ line: Int) -> String {
        let href = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
        return "<a href=\"\(escape(href))#L\(line)\">\(escape(file)):\(line)</a>"
    }

    static let style = """
        :root { --pass: #1a7f37; --partial: #b76e00; --fail: #cf222e; --na: #6e7781; --aws: #0969da; --bg: #f6f8fa; --line: #d0d7de; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2328; background: #fff; }
        header { padding: 20px 28px 12px; border-bottom: 1px solid var(--line); background: var(--bg); }
        h1 { margin: 0 0 4px; font-size: 22px; } h2 { font-size: 17px; margin: 24px 0 10px; } h3 { font-size: 15px; margin: 18px 0 6px; }
        .meta { color: #57606a; margin: 0; }
        main { padding: 0 28px 40px; max-width: 1500px; }
        .chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
        .chip.pass { background: var(--pass); } .chip.partial { background: var(--partial); } .chip.fail { background: var(--fail); }
        .chip.not-assessed { background: var(--na); } .chip.aws-inherited { background: var(--aws); }
        .summary { margin-top: 10px; display: flex; gap: 8px; flex-wrap: wrap; }
        .matrix { display: grid; grid-template-columns: 1fr 2fr; gap: 18px; margin-top: 18px; }
        .half { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
        .half.aws { border-top: 4px solid var(--aws); } .half.customer { border-top: 4px solid #8250df; }
        .half h2 { margin-top: 4px; } .layer { margin-bottom: 10px; } .layer h3 { margin: 6px 0 4px; font-size: 13px; text-transform: uppercase; color: #57606a; letter-spacing: .03em; }
        .cells { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 6px; }
        .cell { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; background: #fff; }
        .cell .name { display: block; font-weight: 600; margin-bottom: 3px; }
        .cell.fail { border-left: 4px solid var(--fail); } .cell.partial { border-left: 4px solid var(--partial); }
        .cell.pass { border-left: 4px solid var(--pass); } .cell.not-assessed { border-left: 4px solid var(--na); } .cell.aws-inherited { border-left: 4px solid var(--aws); }
        .filters { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; padding: 10px 0; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: #fff; z-index: 1; }
        .filters label { margin-right: 8px; cursor: pointer; }
        details.control { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; background: #fff; }
        details.control > summary { padding: 7px 10px; cursor: pointer; display: flex; gap: 10px; align-items: baseline; }
        details.control > summary .id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; color: #57606a; }
        details.control > summary .reason { color: #57606a; font-size: 12px; margin-left: auto; text-align: right; max-width: 55%; }
        details.control .body { padding: 4px 14px 12px; border-top: 1px solid var(--line); }
        details.control.child { margin-left: 26px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
        th { background: var(--bg); }
        .sev-critical, .sev-high { color: var(--fail); font-weight: 600; } .sev-medium { color: var(--partial); font-weight: 600; }
        svg text { font: 12px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
        .hidden { display: none !important; }
        @media (max-width: 1000px) { .matrix { grid-template-columns: 1fr; } }
        """

    static let script = """
        (function () {
          var errors = 0;
          window.addEventListener('error', function () { errors += 1; document.body.dataset.errors = String(errors); });
          function apply() {
            var statuses = Array.prototype.slice.call(document.querySelectorAll('input[data-status]'))
              .filter(function (box) { return box.checked; }).map(function (box) { return box.dataset.status; });
            var framework = document.getElementById('framework').value;
            var shown = 0;
            document.querySelectorAll('details.control').forEach(function (control) {
              var okStatus = statuses.indexOf(control.dataset.status) >= 0;
              var okFramework = framework === '' || (' ' + control.dataset.frameworks + ' ').indexOf(' ' + framework + ' ') >= 0;
              control.classList.toggle('hidden', !(okStatus && okFramework));
              if (okStatus && okFramework) { shown += 1; }
            });
            document.getElementById('shown').textContent = shown + ' shown';
          }
          document.querySelectorAll('input[data-status], #framework').forEach(function (input) { input.addEventListener('change', apply); });
          document.querySelectorAll('.cell[data-target]').forEach(function (cell) {
            cell.addEventListener('click', function () {
              var target = document.getElementById(cell.dataset.target);
              if (target) { target.open = true; target.scrollIntoView({ block: 'center' }); }
            });
          });
          apply();
          document.body.dataset.ready = '1';
        })();
        """

    static func render(_ matrix: Matrix, _ options: MatrixReportOptions) -> String {
        var html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>Bulkhead — shared-responsibility matrix</title><style>\(style)</style></head>\n"
        html += "<body data-ready=\"0\" data-errors=\"0\">\n<header><h1>Shared-responsibility matrix</h1>"
        html += "<p class=\"meta\">Generated \(escape(ISO8601DateFormatter().string(from: matrix.generated))) by Bulkhead \(escape(options.toolVersion)) · "
        html += "\(matrix.scan.stats.files) file(s), \(matrix.scan.stats.resources) resource(s) · inputs \(escape(String(matrix.inputsDigest.prefix(12))))</p>"
        html += "<div class=\"summary\">"
        var counts: [ControlStatus: Int] = [:]
        for result in matrix.results { counts[result.status, default: 0] += 1 }
        for status in [ControlStatus.fail, .partial, .pass, .notAssessed, .inherited] {
            html += "<span>\(chip(status)) \(counts[status] ?? 0)</span>"
        }
        html += "<span class=\"meta\">\(escape(MatrixReports.summaryLine(matrix)))</span></div></header>\n<main>\n"

        // The matrix as the model draws it.
        html += "<section class=\"matrix\">"
        for (owner, title, css) in [(ResponsibilityOwner.aws, "AWS — security OF the cloud", "aws"), (.customer, "Customer — security IN the cloud", "customer")] {
            html += "<div class=\"half \(css)\"><h2>\(escape(title))</h2>"
            let rows = matrix.results.filter { $0.control.section == "Responsibility matrix" && $0.control.owner == owner }
            for layer in MatrixReports.ordered(rows.map(\.control.layer)) {
                html += "<div class=\"layer\"><h3>\(escape(layer))</h3><div class=\"cells\">"
                for result in rows where result.control.layer == layer {
                    html += "<div class=\"cell \(result.status.rawValue)\" data-target=\"control-\(escape(result.control.id))\" title=\"\(escape(result.reason))\">"
                    html += "<span class=\"name\">\(escape(result.control.title))</span>\(chip(result.status))</div>"
                }
                html += "</div></div>"
            }
            html += "</div>"
        }
        html += "</section>\n"

        // Coverage chart by layer: one stacked bar per layer.
        html += "<section><h2>Coverage by layer</h2>"
        let coverage = matrix.coverageByLayer
        let barWidth = 620.0
        let height = coverage.count * 26 + 30
        html += "<svg role=\"img\" aria-label=\"Coverage by layer\" width=\"960\" height=\"\(height)\" viewBox=\"0 0 960 \(height)\">"
        let colours: [(ControlStatus, String)] = [(.fail, "#cf222e"), (.partial, "#b76e00"), (.pass, "#1a7f37"), (.notAssessed, "#afb8c1"), (.inherited, "#0969da")]
        for (row, layer) in coverage.enumerated() {
            let y = row * 26 + 4
            html += "<text x=\"0\" y=\"\(y + 14)\">\(escape(layer.group))</text>"
            var x = 300.0
            for (status, colour) in colours {
                let count = layer.counts[status] ?? 0
                guard count > 0 else { continue }
                let width = barWidth * Double(count) / Double(max(layer.total, 1))
                html += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(y)\" width=\"\(String(format: "%.1f", width))\" height=\"18\" fill=\"\(colour)\"><title>\(count) \(escape(status.label))</title></rect>"
                if width > 18 {
                    html += "<text x=\"\(String(format: "%.1f", x + 5))\" y=\"\(y + 13)\" fill=\"#fff\">\(count)</text>"
                }
                x += width
            }
        }
        var legendX = 300
        for (status, colour) in colours {
            html += "<rect x=\"\(legendX)\" y=\"\(height - 16)\" width=\"12\" height=\"12\" fill=\"\(colour)\"></rect><text x=\"\(legendX + 16)\" y=\"\(height - 6)\">\(escape(status.label))</text>"
            legendX += 120
        }
        html += "</svg></section>\n"

        // Filters and the controls.
        html += "<section><h2>Controls</h2><div class=\"filters\"><span>Status:</span>"
        for status in [ControlStatus.fail, .partial, .pass, .notAssessed, .inherited] {
            html += "<label><input type=\"checkbox\" data-status=\"\(status.rawValue)\" checked> \(escape(status.label))</label>"
        }
        html += "<span>Framework:</span><select id=\"framework\"><option value=\"\">all</option>"
        for framework in FrameworkReference.Framework.allCases where framework != .pssStandard {
            let selected = options.framework == framework ? " selected" : ""
            html += "<option value=\"\(framework.key)\"\(selected)>\(escape(framework.rawValue))</option>"
        }
        html += "</select><span id=\"shown\" class=\"meta\"></span></div>"
        var section = ""
        for result in matrix.results {
            if result.control.section != section {
                section = result.control.section
                html += "<h3>\(escape(section))</h3>"
            }
            html += control(result, options)
        }
        html += "</section>\n</main>\n<script>\(script)</script>\n</body></html>\n"
        return html
    }

    static func control(_ result: ControlResult, _ options: MatrixReportOptions) -> String {
        let control = result.control
        let frameworks = Set(control.frameworks.map(\.framework.key)).sorted().joined(separator: " ")
        var html = "<details class=\"control\(control.parent == nil ? "" : " child")\" id=\"control-\(escape(control.id))\" "
        html += "data-status=\"\(result.status.rawValue)\" data-frameworks=\"\(escape(frameworks))\">"
        html += "<summary>\(chip(result.status)) <span class=\"id\">\(escape(control.id))</span> <strong>\(escape(control.title))</strong>"
        html += "<span class=\"reason\">\(escape(MatrixReports.evidenceSummary(result)))</span></summary><div class=\"body\">"
        html += "<p>\(escape(control.statement))</p><p class=\"meta\">Owner: \(escape(control.owner.rawValue)) · \(escape(control.layer)) · assessed from \(escape(control.assessment.rawValue))</p>"
        let trend = MatrixReports.trend(result, options)
        if !trend.isEmpty { html += "<p class=\"meta\">Trend: \(escape(trend))</p>" }
        if !control.frameworks.isEmpty {
            html += "<p><strong>Frameworks:</strong> " + control.frameworks.map { escape($0.description) }.joined(separator: "; ") + "</p>"
        }
        if !result.checks.isEmpty {
            html += "<p><strong>Checks:</strong> " + result.checks.map { "<code>\(escape($0))</code>" }.joined(separator: ", ") + "</p>"
        }
        if result.status == .inherited || result.status == .notAssessed {
            html += "<p>\(escape(result.reason))</p>"
        }
        if !result.findings.isEmpty {
            html += "<table><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Where</th><th>Finding</th></tr>"
            for finding in result.findings.prefix(200) {
                html += "<tr><td class=\"sev-\(finding.severity.rawValue)\">\(finding.severity.rawValue)</td><td><code>\(escape(finding.checkID))</code></td>"
                html += "<td>\(escape(finding.resource.description))</td><td>\(link(finding.location.file, finding.location.line))<br><code>\(escape(finding.fieldPath))</code></td>"
                html += "<td>\(escape(finding.message))</td></tr>"
            }
            html += "</table>"
            if result.findings.count > 200 { html += "<p class=\"meta\">… and \(result.findings.count - 200) more (see the JSON report).</p>" }
        } else if !result.examined.isEmpty {
            html += "<p class=\"meta\">Evidence: " + result.examined.prefix(12).map { "\(escape($0.resource.description)) (\(link($0.file, $0.line)))" }.joined(separator: ", ")
            if result.examined.count > 12 { html += ", … \(result.examined.count - 12) more" }
            html += "</p>"
        }
        return html + "</div></details>\n"
    }
}
