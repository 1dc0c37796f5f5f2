import AsyncHTTPClient
import BulkheadAdmission
import BulkheadCore
import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import Testing

/// The real server on an ephemeral loopback port with a generated certificate, spoken to over
/// HTTPS by a real client that trusts only the generated CA.
final class RunningServer: @unchecked Sendable {
    let directory: URL
    let certificates: WebhookCertificates
    let server: AdmissionServer
    let client: HTTPClient
    private var task: Task<Void, any Error>?
    private(set) var port = 0

    init(policy: String? = nil, requestTimeout: Duration = .seconds(5), maxBodyBytes: Int = 3 * 1024 * 1024,
         clientTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(120)) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-webhook-\(UUID().uuidString)")
        certificates = try WebhookCertificates.generate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        try certificates.write(to: directory.path)
        var configPath: String?
        if let policy {
            configPath = directory.appendingPathComponent("bulkhead.yaml").path
            try policy.write(toFile: configPath ?? "", atomically: true, encoding: .utf8)
        }
        var configuration = AdmissionServer.Configuration(
            host: "127.0.0.1", port: 0, certificatePath: directory.appendingPathComponent("tls.crt").path,
            keyPath: directory.appendingPathComponent("tls.key").path, configPath: configPath, maxBodyBytes: maxBodyBytes,
            requestTimeout: requestTimeout, reloadInterval: .milliseconds(100))
        configuration.clientTimeout = clientTimeout
        configuration.idleTimeout = idleTimeout
        server = try AdmissionServer(configuration: configuration)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificates.caPEM.utf8)))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let started = AsyncStream<Int>.makeStream()
        let application = server.makeApplication { port in started.continuation.yield(port) }
        task = Task { try await application.runService() }
        for await bound in started.stream {
            port = bound
            break
        }
    }

    var url: String { "https://127.0.0.1:\(port)" }

    func post(_ body: [UInt8], contentType: String = "application/json", path: String = "/validate") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: data))
    }

    func get(_ path: String) async throws -> (Int, String) {
        let response = try await client.execute(HTTPClientRequest(url: url + path), timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: data))
    }

    func stop() async throws {
        task?.cancel()
        _ = try? await task?.value
        try await client.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("Admission webhook over HTTPS", .serialized)
struct ServerTests {
    @Test func judgesReviewsAndReportsHealthAndMetrics() async throws {
        let server = try await RunningServer()
        do {
            let (status, body) = try await server.post(Reviews.review(Reviews.restrictedPod))
            #expect(status == 200)
            #expect(body.contains("\"allowed\":true") && body.contains("\"kind\":\"AdmissionReview\""))
            let (deniedStatus, denied) = try await server.post(Reviews.review(Reviews.privilegedPod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "baseline"]))
            #expect(deniedStatus == 200 && denied.contains("\"allowed\":false") && denied.contains("\"code\":403") && denied.contains("privileged"))
            let (warnStatus, warned) = try await server.post(Reviews.review(Reviews.baselinePod, namespaceLabels: [
                "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"]))
            #expect(warnStatus == 200 && warned.contains("\"allowed\":true") && warned.contains("\"warnings\""))
            #expect(try await server.get("/healthz").0 == 200)
            #expect(try await server.get("/readyz") == (200, "ready\n"))
            let (_, metrics) = try await server.get("/metrics")
            #expect(metrics.contains("bulkhead_admission_requests_total{kind=\"Pod\",operation=\"CREATE\",decision=\"denied\",dry_run=\"false\"} 1"))
            #expect(metrics.contains("bulkhead_admission_duration_seconds_bucket"))
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    @Test func refusesBadRequestsWithoutCrashing() async throws {
        let server = try await RunningServer()
        do {
            let (malformed, message) = try await server.post(Array("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {".utf8))
            #expect(malformed == 400 && message.contains("malformed JSON"))
            let (wrongVersion, _) = try await server.post(Array("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}".utf8))
            #expect(wrongVersion == 400)
            let (contentType, _) = try await server.post(Reviews.review(Reviews.restrictedPod), contentType: "text/plain")
            #expect(contentType == 415)
            var huge = Array("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"pad\": \"".utf8)
            huge += [UInt8](repeating: UInt8(ascii: "x"), count: 4 * 1024 * 1024)
            huge += Array("\"}".utf8)
            let (tooLarge, _) = try await server.post(huge)
            #expect(tooLarge == 413)
            // Still serving after all of that.
            #expect(try await server.post(Reviews.review(Reviews.restrictedPod)).0 == 200)
            let (_, metrics) = try await server.get("/metrics")
            #expect(metrics.contains("bulkhead_admission_errors_total{reason=\"bad-request\"} 2"))
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    @Test func rotatesTheCertificateWhileRequestsAreInFlight() async throws {
        let server = try await RunningServer()
        do {
            let before = server.server.certificateGeneration
            let results = try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { group in
                for index in 0..<60 {
                    group.addTask {
                        if index == 20 {
                            // cert-manager writes a new serving certificate from the same CA.
                            let next = try WebhookCertificates.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
                                                                     caPEM: server.certificates.caPEM, caKeyPEM: server.certificates.caKeyPEM)
                            try next.privateKeyPEM.write(to: server.directory.appendingPathComponent("tls.key"), atomically: true, encoding: .utf8)
                            try next.certificatePEM.write(to: server.directory.appendingPathComponent("tls.crt"), atomically: true, encoding: .utf8)
                        }
                        try await Task.sleep(for: .milliseconds(index * 10))
                        return try await server.post(Reviews.review(Reviews.restrictedPod)).0
                    }
                }
                var codes: [Int] = []
                for try await code in group { codes.append(code) }
                return codes
            }
            #expect(results.count == 60 && results.allSatisfy { $0 == 200 }, "no request failed during the rotation: \(results)")
            var waited = 0
            while server.server.certificateGeneration == before && waited < 50 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(server.server.certificateGeneration > before, "the new certificate was loaded")
            #expect(try await server.post(Reviews.review(Reviews.restrictedPod)).0 == 200, "new connections use it")
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    /// The decisions of the reviewer tests, this time through the real server.
    @Test func decisionScenariosOverHTTPS() async throws {
        let server = try await RunningServer(policy: """
            admission:
              podSecurity: {enforce: restricted, audit: restricted}
              exemptions: {namespaces: [tools], usernames: [deployer-bot], groups: [break-glass], runtimeClasses: [kata]}
            """)
        do {
            func verdict(_ body: [UInt8]) async throws -> String { try await server.post(body).1 }
            #expect(try await verdict(Reviews.review(Reviews.privilegedPod, namespace: "tools")).contains("\"allowed\":true"))
            #expect(try await verdict(Reviews.review(Reviews.privilegedPod, username: "deployer-bot")).contains("\"allowed\":true"))
            #expect(try await verdict(Reviews.review(Reviews.privilegedPod, groups: ["break-glass"])).contains("\"allowed\":true"))
            let kata = Reviews.privilegedPod.replacingOccurrences(of: "spec:\n", with: "spec:\n  runtimeClassName: kata\n")
            #expect(try await verdict(Reviews.review(kata)).contains("\"allowed\":true"))
            let dry = try await verdict(Reviews.review(Reviews.privilegedPod, dryRun: true))
            #expect(dry.contains("\"allowed\":false") && dry.contains("\"auditAnnotations\""))
            let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: [{name: app, image: \"x:1\"}]\n"
            #expect(try await verdict(Reviews.review(deployment)).contains("spec.template.spec.hostNetwork"))
            let ephemeral = Reviews.restrictedPod + "\n  ephemeralContainers: [{name: debugger, image: \"busybox:1.36\", securityContext: {privileged: true}}]\n"
            let debug = try await verdict(Reviews.review(ephemeral, operation: "UPDATE", subResource: "ephemeralcontainers"))
            #expect(debug.contains("\"allowed\":false") && debug.contains("debugger"))
            #expect(try await verdict(Reviews.review(Reviews.privilegedPod, operation: "DELETE")).contains("\"allowed\":true"))
            let (_, metrics) = try await server.get("/metrics")
            #expect(metrics.contains("dry_run=\"true\""))
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    @Test func reloadsThePolicyFile() async throws {
        let server = try await RunningServer(policy: "admission:\n  podSecurity: {enforce: restricted}\n")
        do {
            #expect(try await server.post(Reviews.review(Reviews.baselinePod)).1.contains("\"allowed\":false"))
            try "admission:\n  podSecurity: {enforce: baseline}\n".write(to: server.directory.appendingPathComponent("bulkhead.yaml"), atomically: true, encoding: .utf8)
            var allowed = false
            for _ in 0..<50 where !allowed {
                try await Task.sleep(for: .milliseconds(100))
                allowed = try await server.post(Reviews.review(Reviews.baselinePod)).1.contains("\"allowed\":true")
            }
            #expect(allowed, "the new policy applies without a restart")
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    /// A review slower than the deadline is answered at the deadline (the API server then applies
    /// the webhook's failurePolicy), not when the review finally ends.
    @Test func theDeadlineBoundsTheResponseTime() async throws {
        // A pod with many containers: judged directly, its review takes a measurable while.
        var containers = 500
        var body: [UInt8] = []
        var direct = Duration.zero
        let reviewer = AdmissionReviewer()
        while containers <= 64000 {
            let list = (0..<containers).map { "  - {name: c\($0), image: nginx:1.27, securityContext: {privileged: true}}" }.joined(separator: "\n")
            body = Reviews.review("apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n\(list)\n")
            let begin = ContinuousClock.now
            _ = try reviewer.review(body)
            direct = ContinuousClock.now - begin
            if direct >= .milliseconds(600) { break }
            containers *= 2
        }
        #expect(direct >= .milliseconds(600), "a review slow enough to test against (\(containers) containers: \(direct))")
        let server = try await RunningServer(requestTimeout: .milliseconds(50), maxBodyBytes: 256 * 1024 * 1024)
        do {
            let begin = ContinuousClock.now
            let (status, answer) = try await server.post(body)
            let answered = ContinuousClock.now - begin
            #expect(status == 500 && answer.contains("took longer than"), "\(status) \(answer.prefix(200))")
            // Sending and receiving the body are in the figure too: the bound is half the review.
            #expect(answered < direct / 2, "answered after \(answered); the review alone takes \(direct)")
            // The server still answers while the late review finishes in the background.
            #expect(try await server.get("/healthz").0 == 200)
            let (_, metrics) = try await server.get("/metrics")
            #expect(metrics.contains("bulkhead_admission_errors_total{reason=\"timeout\"} 1"))
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    /// Slow clients are closed at their deadline and good requests go on meanwhile: a connection that
    /// never starts TLS, and one that dribbles its ClientHello a byte at a time (bench/soak.sh dribbles
    /// request heads over TLS).
    @Test func closesSlowClients() async throws {
        let server = try await RunningServer(clientTimeout: .milliseconds(700), idleTimeout: .milliseconds(1500))
        do {
            func closedAfter(_ send: @escaping @Sendable (Int32) -> Bool) async throws -> Duration? {
                let socket = try LoopbackSocket(port: server.port)
                defer { socket.close() }
                let begin = ContinuousClock.now
                while ContinuousClock.now - begin < .seconds(6) {
                    guard send(socket.descriptor) else { return ContinuousClock.now - begin }
                    if socket.peerClosed(waitingMilliseconds: 100) { return ContinuousClock.now - begin }
                }
                return nil
            }
            // No TLS handshake at all.
            let silent = try await closedAfter { _ in true }
            #expect(silent.map { $0 >= .milliseconds(600) && $0 < .seconds(3) } == true, "silent connection closed after \(String(describing: silent))")
            // A handshake record announced at 512 bytes, then its bytes one per 100 ms: never whole in time.
            let sent = Locked(0)
            let dribbled = try await closedAfter { descriptor in
                let header: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]
                let count = sent.withLock { count -> Int in count += 1; return count }
                var byte: UInt8 = count <= header.count ? header[count - 1] : 0
                return write(descriptor, &byte, 1) == 1
            }
            #expect(dribbled.map { $0 >= .milliseconds(600) && $0 < .seconds(3) } == true,
                    "dribbling connection closed after \(String(describing: dribbled))")
            // Meanwhile the server answers, and counts what it closed.
            #expect(try await server.get("/healthz").0 == 200)
            let (_, metrics) = try await server.get("/metrics")
            #expect(metrics.contains("bulkhead_slow_connections_closed_total{server=\"admission\"}"), "\(metrics)")
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }
}

/// A plain TCP connection to a loopback port, for clients that misbehave below HTTP.
struct LoopbackSocket: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    /// Whether the peer closed the connection (a read gives end of file or an error) within the wait.
    func peerClosed(waitingMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, waitingMilliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        return read(descriptor, &buffer, buffer.count) <= 0
    }

    func close() { _ = Glibc.close(descriptor) }
}
