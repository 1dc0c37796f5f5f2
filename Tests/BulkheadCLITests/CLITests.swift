import BulkheadTestSupport
import Foundation
import Testing

/// Runs the built `bulkhead` executable as a user would, and checks what it prints and its exit code.
struct CLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), beside.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("bulkhead")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return repository.appendingPathComponent(".build/debug/bulkhead")
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil, in directory: URL? = nil, asUser user: String? = nil,
                    environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        if let user {
            // Drop root's privileges for the child (util-linux `setpriv`), so file modes apply.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user == "nobody" ? "nogroup" : user)", "--clear-groups", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory ?? repository
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a large report cannot block the child.
        let errorData = LockedData()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.done { usleep(1000) }
        return Outcome(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                       stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false

    func set(_ value: Data) {
        lock.lock()
        data = value
        finished = true
        lock.unlock()
    }

    var done: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

let privilegedPod = """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers:
      - name: c
        image: x:1
        securityContext: {privileged: true}
    """

@Suite("bulkhead command line", .serialized)
struct CLITests {
    @Test func scansTheShippedExampleAndFailsOnItsFindings() throws {
        let outcome = try CLI.run(["scan", "examples/"])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("examples/web-deployment.yaml"))
        #expect(outcome.stdout.contains("CRITICAL privileged"))
        #expect(!outcome.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    /// Every process hashes with its own seed: findings must not come out in a dictionary's
    /// order, or two runs over the same input would give different reports to diff. Also
    /// streamed to `--output` as to standard output.
    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func reportsAreTheSameFromRunToRun() throws {
        let corpus = Shared.corpus.appendingPathComponent("checkov-kubernetes").path
        // Checkov's fixtures include malformed pod specs: reported, so exit 2.
        let first = try CLI.run(["scan", "examples/", corpus, "--format", "json"])
        #expect(first.status == 2)
        #expect(first.stdout.count > 100_000)
        for _ in 0..<2 {
            #expect(try CLI.run(["scan", "examples/", corpus, "--format", "json"]).stdout == first.stdout)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-report-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try CLI.run(["scan", "examples/", corpus, "--format", "json", "--output", file.path]).status == 2)
        #expect(try String(contentsOf: file, encoding: .utf8) == first.stdout)
        let nowhere = try CLI.run(["scan", "examples/", "--format", "json", "--output", "/nonexistent-dir/report.json"])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("cannot write /nonexistent-dir/report.json: No such file or directory"))
    }

    @Test func readsStandardInputLikeAPipeFromHelm() throws {
        let outcome = try CLI.run(["scan", "-", "--format", "json"], stdin: privilegedPod)
        #expect(outcome.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["checkID"] as? String == "privileged" && $0["file"] as? String == "<stdin>" && $0["line"] as? Int == 8 })
    }

    @Test func failOnSetsTheThreshold() throws {
        let medium = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 1, hostPort: 9}]}]\n"
        #expect(try CLI.run(["scan", "-", "--level", "baseline", "--fail-on", "high"], stdin: medium).status == 0)
        #expect(try CLI.run(["scan", "-", "--level", "baseline", "--fail-on", "medium"], stdin: medium).status == 1)
        let clean = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
        let outcome = try CLI.run(["scan", "-"], stdin: clean)
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("No findings"))
        #expect(outcome.stdout.contains("1 skipped (no checks for: Widget 1)"))
    }

    @Test func usageErrorsExitTwo() throws {
        for arguments in [["scan"], ["scan", ".", "--level", "strict"], ["scan", ".", "--pss-version", "1.x"], ["frobnicate"],
                          ["explain", "no-such-check"]] {
            let outcome = try CLI.run(arguments)
            #expect(outcome.status == 2, "\(arguments)")
            #expect(!outcome.stderr.isEmpty, "\(arguments) explains itself")
        }
    }

    @Test func malformedInputIsReportedAndTheRestIsStillScanned() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: p\nspec: {}\n".write(to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {".write(to: directory.appendingPathComponent("truncated.json"), atomically: true, encoding: .utf8)
        try privilegedPod.write(to: directory.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01, 0x02]).write(to: directory.appendingPathComponent("garbage.yaml"))
        let outcome = try CLI.run(["scan", directory.path])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("broken.yaml:4:5: error: YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 3, column 11)"))
        #expect(outcome.stdout.contains("truncated.json:2:1: error: YAML syntax error"), "the end of the input")
        #expect(outcome.stdout.contains("garbage.yaml: error: binary content"))
        #expect(outcome.stdout.contains("CRITICAL privileged"), "the good file is still judged")
        #expect(outcome.stdout.contains("3 input errors"))
    }

    @Test func hugeFilesAreRefusedWithAClearMessage() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.yaml").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 100 * 1024 * 1024) == 0)
        let outcome = try CLI.run(["scan", path])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("file is 100 MiB, over the 32 MiB limit"))
    }

    @Test func symlinkLoopsAndSpecialFilesDoNotHangOrCrash() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nested = directory.appendingPathComponent("nested")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: nested.appendingPathComponent("loop").path, withDestinationPath: directory.path)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("self.yaml").path, withDestinationPath: "self.yaml")
        #expect(mkfifo(directory.appendingPathComponent("pipe.yaml").path, 0o644) == 0)
        try privilegedPod.write(to: nested.appendingPathComponent("pod.yaml"), atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["scan", directory.path])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("symbolic link loop"))
        #expect(outcome.stdout.contains("self.yaml: error: symbolic link points nowhere (or loops)"))
        #expect(outcome.stdout.contains("pipe.yaml: error: not a regular file"))
        #expect(outcome.stdout.components(separatedBy: "CRITICAL privileged").count == 2, "the pod is judged once, not once per loop")
    }

    @Test func unreadableFilesAreReported() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.yaml").path
        let outcome = try CLI.run(["scan", missing])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("missing.yaml: error: no such file or directory"))
        let locked = directory.appendingPathComponent("locked.yaml")
        try privilegedPod.write(to: locked, atomically: true, encoding: .utf8)
        try privilegedPod.write(to: directory.appendingPathComponent("readable.yaml"), atomically: true, encoding: .utf8)
        chmod(locked.path, 0)
        chmod(directory.path, 0o755)
        // Root reads files whatever their mode: run as nobody when we are root.
        let user: String? = getuid() == 0 ? "nobody" : nil
        if user != nil { #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv (util-linux) is needed") }
        let denied = try CLI.run(["scan", directory.path], asUser: user)
        #expect(denied.status == 2, "\(denied.stdout)\(denied.stderr)")
        #expect(denied.stdout.contains("locked.yaml: error: cannot read: Permission denied"))
        #expect(denied.stdout.contains("CRITICAL privileged"), "the readable file is still scanned")
    }

    @Test func configInTheScannedDirectorySuppressesAndExpiredExceptionsSaySo() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try privilegedPod.write(to: directory.appendingPathComponent("pod.yaml"), atomically: true, encoding: .utf8)
        try """
            exceptions:
              - checks: ["*"]
                resources: ["Pod/p"]
                reason: lab machine
              - checks: [privileged]
                reason: was needed for the old agent
                expires: 2021-06-30
            """.write(to: directory.appendingPathComponent(".bulkhead.yaml"), atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["scan", directory.path, "--show-suppressed"])
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("suppressed (config): lab machine"))
        #expect(outcome.stdout.contains(".bulkhead.yaml:5: warning: exception for privileged expired on 2021-06-30"))
    }

    @Test func writesSARIFToAFile() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("out.sarif").path
        let outcome = try CLI.run(["scan", "examples", "--format", "sarif", "--output", report])
        #expect(outcome.status == 1)
        let sarif = try String(contentsOfFile: report, encoding: .utf8)
        #expect(sarif.contains("\"version\" : \"2.1.0\""))
        #expect(sarif.contains("\"ruleId\" : \"privileged\""))
    }

    @Test func listsAndExplainsChecks() throws {
        let list = try CLI.run(["checks"])
        #expect(list.status == 0)
        for id in ["privileged", "hostNamespaces", "seccompProfile_restricted", "hostProbesAndHostLifecycle"] {
            #expect(list.stdout.contains(id))
        }
        #expect(list.stdout.contains("CUST-K8S-POD-SECURITY"))
        let explain = try CLI.run(["explain", "sysctls"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("since v1.0; revised in v1.27, v1.29, v1.32, v1.37"))
        #expect(explain.stdout.contains("Fails (with --pss-version v1.28)"))
        #expect(explain.stdout.contains("net.ipv4.tcp_keepalive_time"))
        #expect(explain.stdout.contains("CUST-K8S-POD-SECURITY"))
    }
}

@Suite("bulkhead rbac and netpol")
struct QueryCommandTests {
    static let goat = Shared.corpus.appendingPathComponent("kubernetes-goat/files/scenarios/insecure-rbac").path

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func whoCanAnswersFromManifests() throws {
        let outcome = try CLI.run(["rbac", "who-can", "delete", "pods", "-n", "default", Self.goat])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ServiceAccount kube-system/superadmin"))
        #expect(outcome.stdout.contains("ClusterRoleBinding superadmin"))
        #expect(outcome.stdout.contains("cluster-wide"))
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func subjectListsWhatItCanDo() throws {
        let outcome = try CLI.run(["rbac", "subject", "ServiceAccount/kube-system/superadmin", Self.goat])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("ClusterRole cluster-admin"))
        let nobody = try CLI.run(["rbac", "subject", "User/alice", Self.goat])
        #expect(nobody.stdout.contains("User alice has no binding in the input."))
        #expect(try CLI.run(["rbac", "subject", "Pod/x", Self.goat]).status == 2)
    }

    @Test func netpolPrintsTheIsolationMap() throws {
        let manifests = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: c, image: "x:1"}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress]
              ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
            """
        let outcome = try CLI.run(["netpol", "-"], stdin: manifests)
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("namespace shop: default-deny ingress NO, egress NO"))
        #expect(outcome.stdout.contains("in: isolated, pods app=frontend"))
        #expect(outcome.stdout.contains("out: OPEN (no policy)"))
        let json = try CLI.run(["netpol", "--json", "-"], stdin: manifests)
        #expect(json.stdout.contains("\"ingressIsolated\" : true"))
    }
}

@Suite("bulkhead matrix, controls, history, diff", .serialized)
struct MatrixCommandTests {
    static let corpus = Shared.corpus

    @Test func matrixOnTheShippedExamples() throws {
        let outcome = try CLI.run(["matrix", "examples", "--no-color"])
        #expect(outcome.status == 1, "a control fails on the examples")
        #expect(outcome.stdout.contains("AWS — security OF the cloud"))
        #expect(outcome.stdout.contains("CUST-K8S-POD-SECURITY"))
        #expect(outcome.stdout.contains("Customer controls:"))
        let cis = try CLI.run(["matrix", "examples", "--framework", "cis-eks"])
        #expect(cis.stdout.contains("CIS Amazon EKS Benchmark v1.8.0, requirement by requirement"))
        #expect(cis.stdout.contains("4.2.1"))
        #expect(try CLI.run(["matrix", "examples", "--framework", "iso-27001"]).status == 2)
    }

    @Test func matrixHonoursTheProjectConfigurationAsScanDoes() throws {
        // examples/.bulkhead.yaml excepts the node agent's hostPath volumes.
        let hostPathFinding = "\"checkID\" : \"hostPathVolumes\""
        let configured = try CLI.run(["matrix", "examples", "--format", "json"])
        #expect(!configured.stdout.contains(hostPathFinding), "the exception in examples/.bulkhead.yaml applies")
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(atPath: "examples/node-log-agent.yaml", toPath: directory.appendingPathComponent("node-log-agent.yaml").path)
        let unconfigured = try CLI.run(["matrix", directory.path, "--format", "json"])
        #expect(unconfigured.stdout.contains(hostPathFinding), "without the file the finding counts")
    }

    @Test func everyFormatIsWritten() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for format in ["json", "markdown", "junit", "html"] {
            let path = directory.appendingPathComponent("matrix.\(format)").path
            let outcome = try CLI.run(["matrix", "examples", "--format", format, "--output", path])
            #expect(outcome.status == 1)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.count > 1000, "\(format)")
        }
    }

    @Test func controlsAndExplainAControl() throws {
        let list = try CLI.run(["controls"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("CHECKLIST-CONTAINER-2") && list.stdout.contains("AWS-EKS-CONTROL-PLANE"))
        let explain = try CLI.run(["explain", "CUST-K8S-RBAC"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("Owner: customer"))
        #expect(explain.stdout.contains("CIS Amazon EKS Benchmark v1.8.0 4.1.1"))
        #expect(explain.stdout.contains("rbacClusterAdminBinding"))
    }

    @Test func recordsConcurrentlyThenListsAndDiffs() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("history.sqlite").path
        let goat = Self.corpus.appendingPathComponent("kubernetes-goat/files/scenarios").path
        // Four processes record into the same database at once.
        let processes = try (0..<4).map { _ -> Process in
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["matrix", goat, "--record", "--db", db, "--format", "json"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 1 || process.terminationStatus == 2, "the goat fails controls")
        }
        let demo = Self.corpus.appendingPathComponent("microservices-demo/files/kubernetes-manifests").path
        _ = try CLI.run(["matrix", demo, "--record", "--db", db])
        let history = try CLI.run(["history", "--db", db])
        #expect(history.status == 0)
        #expect(history.stdout.split(separator: "\n").count == 6, "header and five runs:\n\(history.stdout)")
        let diff = try CLI.run(["diff", "--db", db])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("Run 4 → run 5"))
        #expect(diff.stdout.contains("fixed"))
        let trend = try CLI.run(["matrix", demo, "--db", db, "--format", "markdown"])
        #expect(trend.stdout.contains("Shared-responsibility matrix"))
        let missing = try CLI.run(["diff", "1", "99", "--db", db])
        #expect(missing.status == 2 && missing.stderr.contains("no run 99"))
    }
}

@Suite("bulkhead admit", .serialized)
struct AdmitCommandTests {
    @Test func certsAndManifestsThatScanClean() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certs = directory.appendingPathComponent("certs").path
        let generated = try CLI.run(["admit", "certs", "--namespace", "bulkhead-system", "--out", certs])
        #expect(generated.status == 0)
        #expect(generated.stdout.contains("caBundle: "))
        let image = "registry.example/bulkhead@sha256:" + String(repeating: "ab", count: 32)
        let manifests = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs, "--image", image])
        #expect(manifests.status == 0, "\(manifests.stderr)")
        #expect(manifests.stdout.contains("failurePolicy: Fail") && manifests.stdout.contains("image: \(image)"))
        let scan = try CLI.run(["scan", "-"], stdin: manifests.stdout)
        #expect(scan.status == 0, "bulkhead scan reports nothing on its own install: \(scan.stdout)")
        #expect(scan.stdout.contains("No findings"))
        // The server alone, then the registration alone (the README's two-step install).
        let server = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs, "--image", image, "--part", "server"])
        #expect(server.stdout.contains("kind: Deployment") && !server.stdout.contains("ValidatingWebhookConfiguration"))
        let webhook = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs, "--image", image, "--part", "webhook"])
        #expect(webhook.stdout.contains("kind: ValidatingWebhookConfiguration") && !webhook.stdout.contains("kind: Deployment"))
    }

    /// Without a real image the webhook is never printed to block a cluster.
    @Test func manifestsRefuseAWebhookWithoutARealImage() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certs = directory.appendingPathComponent("certs").path
        #expect(try CLI.run(["admit", "certs", "--namespace", "bulkhead-system", "--out", certs]).status == 0)
        let refused = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs])
        #expect(refused.status != 0 && refused.stdout.isEmpty && refused.stderr.contains("no --image"), "\(refused.stderr)")
        let unpinned = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs, "--image", "bulkhead:latest"])
        #expect(unpinned.status != 0 && unpinned.stderr.contains("pinned by digest"))
        let placeholder = try CLI.run(["admit", "manifests", "--namespace", "bulkhead-system", "--certs", certs, "--failure-policy", "Ignore"])
        #expect(placeholder.status == 0 && placeholder.stderr.contains("warning: no --image"))
        #expect(placeholder.stdout.contains("NO IMAGE GIVEN") && placeholder.stdout.contains("failurePolicy: Ignore")
                && !placeholder.stdout.contains("failurePolicy: Fail"))
    }

    /// A real `bulkhead admit serve` process: it answers, then stops cleanly on SIGTERM.
    @Test func serveStopsGracefullyOnSIGTERM() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certs = directory.appendingPathComponent("certs").path
        #expect(try CLI.run(["admit", "certs", "--namespace", "test", "--dns", "localhost", "--ip", "127.0.0.1", "--out", certs]).status == 0)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["admit", "serve", "--tls-cert", certs + "/tls.crt", "--tls-key", certs + "/tls.key", "--host", "127.0.0.1", "--port", "0"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Bulkhead announces the bound port.
        var announced = ""
        let handle = errors.fileHandleForReading
        let marker = "webhook listening on https://127.0.0.1:"
        while !announced.contains(marker) || !(announced.components(separatedBy: marker).last?.contains("\n") ?? false) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            announced += String(decoding: chunk, as: UTF8.self)
        }
        let port = announced.components(separatedBy: marker).last.map { String($0.prefix { $0.isNumber }) } ?? ""
        #expect(!port.isEmpty, "\(announced)")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-sS", "--cacert", certs + "/ca.crt", "https://127.0.0.1:\(port)/healthz"]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        curl.waitUntilExit()
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "ok\n")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "graceful exit on SIGTERM")
    }
}
