import BulkheadCatalogue
import BulkheadCore
import BulkheadHistory
import BulkheadKubernetes
import BulkheadMatrix
import BulkheadTestSupport
import Foundation
import Testing

enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = Shared.corpus

    static func matrix(_ paths: [String]) -> Matrix {
        let scanner = Scanner(registry: Catalogue.registry)
        let inputs = InputDiscovery.discover(paths, extensions: Catalogue.registry.fileExtensions).inputs
        let assessment = scanner.assess(inputs)
        return MatrixBuilder(registry: Catalogue.registry).build(
            inventory: assessment.inventory, scan: assessment.result, inputs: inputs.map(\.displayName),
            inputsDigest: InputDigest.combined(assessment.digests))
    }

    static var goat: Matrix { matrix([corpus.appendingPathComponent("kubernetes-goat/files/scenarios").path]) }
    static var demo: Matrix {
        matrix([corpus.appendingPathComponent("microservices-demo/files/kubernetes-manifests").path,
                corpus.appendingPathComponent("microservices-demo/files/kustomize/components/network-policies").path])
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

}

@Suite("Shared-responsibility matrix")
struct MatrixTests {
    @Test func neverPassesWhatNobodyLookedAt() {
        let empty = Fixtures.matrix([Fixtures.repository.appendingPathComponent("docs").path])
        for result in empty.results {
            #expect(result.status == .notAssessed || result.status == .inherited, "\(result.control.id) is \(result.status) on no evidence")
        }
        #expect(empty.result("AWS-EKS-CONTROL-PLANE")?.reason.contains("AWS Artifact") == true)
        #expect(empty.result("CUST-INFRA-VPC")?.reason.contains("CloudFormation") == true, "says what input would assess it")
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func goatAndTheHardenedDemoDiffer() throws {
        let goat = Fixtures.goat
        let demo = Fixtures.demo
        #expect(goat.result(ControlCatalog.podSecurity)?.status == .fail)
        #expect(goat.result(ControlCatalog.rbac)?.status == .fail)
        #expect(demo.result(ControlCatalog.rbac)?.status != .fail)
        #expect(demo.result("ASSUME-CONTAINER-NETWORK-POLICIES")?.status == .pass, "deny-all in every namespace")
        #expect(goat.result("ASSUME-CONTAINER-NETWORK-POLICIES")?.status != .pass)
        let goatFindings = goat.result(ControlCatalog.podSecurity)?.findings.count ?? 0
        let demoFindings = demo.result(ControlCatalog.podSecurity)?.findings.count ?? 0
        #expect(goatFindings > demoFindings * 2)
        // The goat's privileged escape is evidence of the pod security failure, with a place to open.
        let escape = try #require(goat.result(ControlCatalog.podSecurity)?.findings.first { $0.checkID == "privileged" })
        #expect(escape.location.line > 0 && escape.location.file.hasSuffix(".yaml"))
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func frameworkViewRollsControlsUpToRequirements() throws {
        let goat = Fixtures.goat
        let cis = goat.requirements(of: .cisEKS)
        let privileged = try #require(cis.first { $0.requirement == "4.2.1" })
        #expect(privileged.status == .fail)
        #expect(privileged.controls.map(\.control.id).contains(ControlCatalog.podSecurity))
        #expect(cis.map(\.requirement) == cis.map(\.requirement).sorted { $0.compare($1, options: .numeric) == .orderedAscending })
        let soc2 = goat.requirements(of: .soc2)
        #expect(soc2.contains { $0.requirement == "CC6.3" })
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func everyFormatRendersBothCorpora() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, matrix) in [("goat", Fixtures.goat), ("demo", Fixtures.demo)] {
            let options = MatrixReportOptions(framework: .pciDSS, toolVersion: BulkheadVersion.current)
            let text = try MatrixReports.render(matrix, format: .text, options: options)
            #expect(text.contains("PCI DSS v4.0, requirement by requirement"))
            let plain = try MatrixReports.render(matrix, format: .text, options: MatrixReportOptions(toolVersion: "t"))
            #expect(plain.contains("AWS — security OF the cloud") && plain.contains("CUSTOMER — security IN the cloud"))
            let json = try MatrixReports.render(matrix, format: .json, options: options)
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect((decoded["controls"] as? [[String: Any]])?.count == ControlCatalog.all.count)
            #expect((decoded["framework"] as? [String: Any])?["name"] as? String == "PCI DSS v4.0")
            let markdown = try MatrixReports.render(matrix, format: .markdown, options: options)
            #expect(markdown.contains("| Control | Owner | Status | Evidence |"))
            let junit = try MatrixReports.render(matrix, format: .junit, options: options)
            let junitPath = directory.appendingPathComponent("\(name).xml").path
            try junit.write(toFile: junitPath, atomically: true, encoding: .utf8)
            let (status, output) = try Command.run(["python3", "-c", """
                import sys, xml.etree.ElementTree as ET
                root = ET.parse(sys.argv[1]).getroot()
                cases = root.findall('.//testcase')
                print(len(cases), len(root.findall('.//failure')), len(root.findall('.//skipped')))
                """, junitPath])
            #expect(status == 0, "JUnit XML parses: \(output)")
            #expect(output.hasPrefix("\(ControlCatalog.all.count) "), "one testcase per control: \(output)")
        }
    }

    /// The HTML report in a real headless browser: it loads, its script runs without an error, it
    /// makes no network request, and a screenshot is produced (kept in the test output directory).
    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus), .enabled(if: Tools.chromium != nil, Tools.noChromium)) func htmlLoadsInAHeadlessBrowserWithoutErrors() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is needed (apt-get install chromium; .ci/run installs it)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-html-report")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, matrix) in [("goat", Fixtures.goat), ("demo", Fixtures.demo)] {
            let html = try MatrixReports.render(matrix, format: .html, options: MatrixReportOptions(toolVersion: BulkheadVersion.current))
            #expect(!html.contains("http://") || !html.contains("src=\"http"), "no external assets")
            #expect(!html.contains("<link") && !html.contains("src=\""), "self-contained: no linked stylesheet or script")
            let page = directory.appendingPathComponent("\(name).html")
            try html.write(to: page, atomically: true, encoding: .utf8)
            let common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1440,1800"]
            let (domStatus, dom) = try Command.run(common + ["--dump-dom", page.absoluteString])
            #expect(domStatus == 0)
            #expect(dom.contains("data-ready=\"1\""), "the report's script ran")
            #expect(dom.contains("data-errors=\"0\""), "no script error")
            #expect(dom.contains("shown</span>"), "filters initialised")
            let screenshot = directory.appendingPathComponent("\(name).png")
            try? FileManager.default.removeItem(at: screenshot)
            let (shotStatus, _) = try Command.run(common + ["--screenshot=\(screenshot.path)", page.absoluteString])
            #expect(shotStatus == 0)
            let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
            #expect(size > 50_000, "screenshot \(screenshot.path) written")
            print("HTML report screenshot: \(screenshot.path)")
        }
    }
}

@Suite("History")
struct HistoryTests {
    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func recordsListsAndDiffsRuns() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HistoryStore(path: directory.appendingPathComponent("nested/history.sqlite").path)
        let first = try store.record(Fixtures.goat, toolVersion: "t")
        let second = try store.record(Fixtures.demo, toolVersion: "t")
        let runs = try store.runs()
        #expect(runs.map(\.id) == [first, second])
        #expect(runs[0].findings > runs[1].findings)
        let diff = try store.diff()
        #expect(diff.from == first && diff.to == second)
        #expect(diff.controls.contains { $0.id == ControlCatalog.rbac && $0.before == .fail })
        #expect(!diff.fixedFindings.isEmpty && !diff.newFindings.isEmpty)
        let trends = try store.trends()
        #expect(trends[ControlCatalog.rbac]?.first == .fail)
        #expect(throws: HistoryStore.HistoryError.self) { try store.diff(from: 999, to: second) }
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func migratesADatabaseWrittenByAnOlderVersion() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        // A database as Bulkhead's schema v1 left it, written with the sqlite3 tool: one run, one finding.
        let v1 = """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1');
            CREATE TABLE run (id INTEGER PRIMARY KEY AUTOINCREMENT, startedAt DATETIME NOT NULL, toolVersion TEXT NOT NULL,
                              inputsDigest TEXT NOT NULL, inputs TEXT NOT NULL);
            CREATE TABLE controlStatus (runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE, controlId TEXT NOT NULL,
                                        status TEXT NOT NULL, PRIMARY KEY (runId, controlId));
            CREATE TABLE finding (id INTEGER PRIMARY KEY AUTOINCREMENT, runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                                  checkId TEXT NOT NULL, severity TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
                                  fieldPath TEXT NOT NULL, resource TEXT NOT NULL, message TEXT NOT NULL);
            CREATE INDEX finding_on_runId ON finding(runId);
            INSERT INTO run VALUES (1, '2026-01-01 00:00:00.000', '0.0.9', 'abc', '["deploy"]');
            INSERT INTO controlStatus VALUES (1, 'CUST-K8S-POD-SECURITY', 'fail');
            INSERT INTO finding VALUES (1, 1, 'privileged', 'critical', 'deploy/web.yaml', 12,
                                        'spec.containers[0].securityContext.privileged', 'Pod shop/web', 'container "web" must not set privileged');
            """
        let (status, output) = try Command.run(["sqlite3", path, v1])
        #expect(status == 0, "\(output)")
        let store = try HistoryStore(path: path)
        #expect(try store.integrityCheck() == "ok")
        let runs = try store.runs()
        #expect(runs.map(\.id) == [1] && runs[0].findings == 1 && runs[0].toolVersion == "0.0.9")
        // The migration backfilled v2's fingerprints: the same finding in a new run is "unchanged", not new.
        let matrix = Fixtures.matrix([])
        var scan = matrix.scan
        var finding = Finding(checkID: "privileged", title: "Privileged containers", severity: .critical, message: "moved",
                              location: SourceLocation(file: "deploy/web.yaml", line: 30, column: 9),
                              fieldPath: "spec.containers[0].securityContext.privileged",
                              resource: ResourceRef(apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web"), controls: [], remediation: "")
        finding.category = "pod-security/baseline"
        scan.findings = [finding]
        let next = Matrix(results: matrix.results, generated: Date(), inputs: ["deploy"], inputsDigest: "def", scan: scan)
        try store.record(next, toolVersion: BulkheadVersion.current)
        let diff = try store.diff()
        #expect(diff.unchangedFindings == 1 && diff.newFindings.isEmpty && diff.fixedFindings.isEmpty)
    }

    @Test func concurrentWritersDoNotCorruptTheDatabase() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("shared.sqlite").path
        let matrix = Fixtures.demo
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try HistoryStore(path: path)
                    for _ in 0..<3 { try store.record(matrix, toolVersion: "t") }
                }
            }
            try await group.waitForAll()
        }
        let store = try HistoryStore(path: path)
        #expect(try store.runs().count == 12)
        #expect(try store.integrityCheck() == "ok")
    }
}
