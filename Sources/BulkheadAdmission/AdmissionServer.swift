import BulkheadCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// `bulkhead admit serve`: the validating admission webhook over HTTPS.
public struct AdmissionServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var certificatePath: String
        public var keyPath: String
        public var configPath: String?
        /// The API server's own limit on request bodies.
        public var maxBodyBytes: Int
        public var requestTimeout: Duration
        /// How often certificate and policy files are checked for changes.
        public var reloadInterval: Duration

        public init(host: String = "0.0.0.0", port: Int = 8443, certificatePath: String, keyPath: String, configPath: String? = nil,
                    maxBodyBytes: Int = 3 * 1024 * 1024, requestTimeout: Duration = .seconds(5), reloadInterval: Duration = .seconds(2)) {
            self.host = host
            self.port = port
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.configPath = configPath
            self.maxBodyBytes = maxBodyBytes
            self.requestTimeout = requestTimeout
            self.reloadInterval = reloadInterval
        }
    }

    public let configuration: Configuration
    let state: AdmissionState
    let tls: TLSContextBox

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        tls = try TLSContextBox(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
        state = AdmissionState()
        try state.loadPolicy(from: configuration.configPath)
        state.setReady(true)
    }

    public var metrics: PrometheusCollectorRegistry { state.registry }
    public var certificateGeneration: Int { tls.generation }

    /// The Hummingbird application; `onServerRunning` receives the bound port (for tests on port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let state = state
        let configuration = configuration
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            state.ready ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            state.registry.emit(into: &buffer)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.post("/validate") { request, _ -> Response in
            try await Self.validate(request, state: state, configuration: configuration)
        }
        let tls = tls
        var applicationConfiguration = ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "bulkhead")
        applicationConfiguration.serverName = "bulkhead"
        return Application(
            router: router, server: .reloadingTLS(tls), configuration: applicationConfiguration,
            services: [ReloadService(configuration: configuration, state: state, tls: tls)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting and drains the requests in flight.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        jsonResponse(status, "{\"error\":\(JSONText.quoted(message))}\n")
    }

    static func validate(_ request: Request, state: AdmissionState, configuration: Configuration) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            state.recordError("unsupported-media-type")
            return error(.unsupportedMediaType, "content type must be application/json, not \(contentType.isEmpty ? "none" : contentType)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            state.recordError("too-large")
            return Self.error(.contentTooLarge, "request body over \(configuration.maxBodyBytes) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        let reviewer = state.reviewer
        let outcome: AdmissionReviewer.Outcome
        let evaluation = EvaluationTimer()
        do {
            outcome = try await withThrowingTaskGroup(of: AdmissionReviewer.Outcome?.self) { group in
                group.addTask {
                    let begin = ContinuousClock.now
                    let result = try reviewer.review(bytes)
                    evaluation.set(ContinuousClock.now - begin)
                    return result
                }
                group.addTask {
                    try await Task.sleep(for: configuration.requestTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else { throw TimedOut() }
                return result
            }
        } catch let bad as AdmissionReviewer.BadRequest {
            state.recordError("bad-request")
            return Self.error(.badRequest, bad.message)
        } catch is TimedOut {
            state.recordError("timeout")
            return Self.error(.internalServerError, "evaluation took longer than \(configuration.requestTimeout)")
        }
        state.record(outcome, duration: evaluation.value)
        return jsonResponse(.ok, outcome.responseJSON + "\n")
    }

    struct TimedOut: Error {}
}

/// The evaluation's own duration, handed out of the child task.
final class EvaluationTimer: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Duration.zero

    func set(_ duration: Duration) {
        lock.lock()
        stored = duration
        lock.unlock()
    }

    var value: Duration {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// What the handlers share: the reviewer (replaced when the policy file changes), readiness, metrics.
final class AdmissionState: @unchecked Sendable {
    private let lock = NSLock()
    private var currentReviewer = AdmissionReviewer()
    private var isReady = false
    let registry = PrometheusCollectorRegistry()
    private let duration: DurationHistogram

    init() {
        duration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "bulkhead", subsystem: "admission", metricName: "duration", unitName: "seconds",
                                             helpText: "Time to judge one AdmissionReview (parse, checks, response), inside the process."),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1)])
    }

    var reviewer: AdmissionReviewer {
        lock.lock()
        defer { lock.unlock() }
        return currentReviewer
    }

    var ready: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isReady
    }

    func setReady(_ ready: Bool) {
        lock.lock()
        isReady = ready
        lock.unlock()
    }

    func loadPolicy(from path: String?) throws {
        guard let path else { return }
        guard let data = FileManager.default.contents(atPath: path) else { throw PolicyError(message: "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let (config, problems) = BulkheadConfig.parse(text, file: path)
        let (policy, policyProblems) = AdmissionPolicy.load(config, text: text)
        let errors = (problems + policyProblems).filter { $0.level == .error }
        guard errors.isEmpty else { throw PolicyError(message: errors.map(\.description).joined(separator: "; ")) }
        lock.lock()
        currentReviewer = AdmissionReviewer(policy: policy)
        lock.unlock()
    }

    struct PolicyError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func record(_ outcome: AdmissionReviewer.Outcome, duration elapsed: Duration) {
        let decision = outcome.allowed ? (outcome.warnings.isEmpty ? "allowed" : "allowed-with-warnings") : "denied"
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "bulkhead", subsystem: "admission", metricName: "requests", unitName: "total",
                                                              helpText: "AdmissionReviews judged, by kind, operation and decision."),
                             labels: [("kind", outcome.kind), ("operation", outcome.operation), ("decision", decision),
                                      ("dry_run", outcome.dryRun ? "true" : "false")]).increment()
        duration.record(elapsed)
    }

    func recordError(_ reason: String) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "bulkhead", subsystem: "admission", metricName: "errors", unitName: "total",
                                                              helpText: "Requests refused or failed, by reason."),
                             labels: [("reason", reason)]).increment()
    }
}

/// Watches the certificate, key and policy files; reloads them when they change (cert-manager
/// rotation, a ConfigMap update) and keeps serving with the previous ones if the new ones are bad.
struct ReloadService: Service {
    let configuration: AdmissionServer.Configuration
    let state: AdmissionState
    let tls: TLSContextBox

    static func stamp(_ path: String?) -> String {
        guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = attributes[.size] as? Int ?? 0
        return "\(modified)/\(size)"
    }

    /// Stops with the rest of the server on graceful shutdown (SIGTERM) as well as on cancellation.
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await watch()
        }
    }

    private func watch() async throws {
        let logger = Logger(label: "bulkhead.admission")
        var certificates = Self.stamp(configuration.certificatePath) + Self.stamp(configuration.keyPath)
        var policy = Self.stamp(configuration.configPath)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.reloadInterval)
            } catch {
                return
            }
            let newCertificates = Self.stamp(configuration.certificatePath) + Self.stamp(configuration.keyPath)
            if newCertificates != certificates {
                do {
                    try tls.reload(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
                    certificates = newCertificates
                    logger.info("reloaded the serving certificate")
                } catch {
                    logger.error("keeping the previous certificate: \(error)")
                }
            }
            let newPolicy = Self.stamp(configuration.configPath)
            if newPolicy != policy {
                do {
                    try state.loadPolicy(from: configuration.configPath)
                    policy = newPolicy
                    logger.info("reloaded the policy")
                } catch {
                    logger.error("keeping the previous policy: \(error)")
                }
            }
        }
    }
}
