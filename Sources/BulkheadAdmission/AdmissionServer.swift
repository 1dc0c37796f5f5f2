import BulkheadCore
import BulkheadService
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
        /// A new connection's time for its TLS handshake and request head (slowloris), and a
        /// request head's for its body.
        public var clientTimeout: Duration = .seconds(10)
        /// How long an idle keep-alive connection stays open.
        public var idleTimeout: Duration = .seconds(120)
        /// How long requests are still served after SIGTERM (readiness false) before draining.
        public var drainDelay: Duration = .seconds(5)

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
    /// The service layer: TLS with reload, health, readiness, metrics, deadline, drain.
    public let host: ServiceHost

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        let metrics = PrometheusCollectorRegistry()
        let state = AdmissionState(metrics: metrics)
        try state.loadPolicy(from: configuration.configPath)
        self.state = state
        let configPath = configuration.configPath
        var service = ServiceConfiguration(host: configuration.host, port: configuration.port, certificatePath: configuration.certificatePath,
                                           keyPath: configuration.keyPath, maxBodyBytes: configuration.maxBodyBytes,
                                           requestTimeout: configuration.requestTimeout, reloadInterval: configuration.reloadInterval)
        service.clientTimeout = configuration.clientTimeout
        service.idleTimeout = configuration.idleTimeout
        service.drainDelay = configuration.drainDelay
        host = try ServiceHost(
            name: "admission",
            configuration: service,
            metrics: metrics,
            watched: configPath.map { path in [WatchedFiles(name: "policy", paths: [path]) { try state.loadPolicy(from: path) }] } ?? [])
        host.setReady(true)
    }

    public var metrics: PrometheusCollectorRegistry { host.metrics }
    public var certificateGeneration: Int { host.certificateGeneration }

    /// The Hummingbird application; `onServerRunning` receives the bound port (for tests on port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let (state, host) = (state, host)
        return host.makeApplication(routes: { router in
            router.post("/validate") { request, _ -> Response in
                await Self.validate(request, state: state, host: host)
            }
        }, onServerRunning: onServerRunning)
    }

    /// Runs until SIGTERM or SIGINT, then drains (`ServiceHost.run`).
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await host.run(makeApplication(onServerRunning: onServerRunning))
    }

    static func validate(_ request: Request, state: AdmissionState, host: ServiceHost) async -> Response {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            state.recordError("unsupported-media-type")
            return ServiceHost.error(.unsupportedMediaType, "content type must be application/json, not \(contentType.isEmpty ? "none" : contentType)")
        }
        guard let bytes = await host.body(of: request) else {
            state.recordError("too-large")
            return ServiceHost.error(.contentTooLarge, "request body over \(host.configuration.maxBodyBytes) bytes")
        }
        let reviewer = state.reviewer
        let begin = ContinuousClock.now
        let outcome: AdmissionReviewer.Outcome
        do {
            outcome = try await host.withinDeadline { try reviewer.review(bytes) }
        } catch let bad as AdmissionReviewer.BadRequest {
            state.recordError("bad-request")
            return ServiceHost.error(.badRequest, bad.message)
        } catch let late as Deadline.Exceeded {
            // The API server applies the webhook's failurePolicy to this answer.
            state.recordError("timeout")
            return ServiceHost.error(.internalServerError, "evaluation \(late)")
        } catch {
            state.recordError("internal")
            return ServiceHost.error(.internalServerError, "evaluation failed: \(error)")
        }
        state.record(outcome, duration: ContinuousClock.now - begin)
        return ServiceHost.json(.ok, outcome.responseJSON + "\n")
    }
}

/// What the admission handlers share: the reviewer (replaced when the policy file changes) and
/// the admission metrics (in the service host's registry).
final class AdmissionState: Sendable {
    private let current = Locked(AdmissionReviewer())
    private let registry: PrometheusCollectorRegistry
    private let duration: DurationHistogram

    init(metrics registry: PrometheusCollectorRegistry) {
        self.registry = registry
        duration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "bulkhead", subsystem: "admission", metricName: "duration", unitName: "seconds",
                                             helpText: "Time to judge one AdmissionReview (parse, checks, response), inside the process."),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1)])
    }

    var reviewer: AdmissionReviewer { current.current }

    func loadPolicy(from path: String?) throws {
        guard let path else { return }
        guard let data = FileManager.default.contents(atPath: path) else { throw PolicyError(message: "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let (config, problems) = BulkheadConfig.parse(text, file: path)
        let (policy, policyProblems) = AdmissionPolicy.load(config, text: text)
        let errors = (problems + policyProblems).filter { $0.level == .error }
        guard errors.isEmpty else { throw PolicyError(message: errors.map(\.description).joined(separator: "; ")) }
        current.set(AdmissionReviewer(policy: policy))
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
