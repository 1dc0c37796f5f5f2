import BulkheadCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import UnixSignals

/// What every long-running Bulkhead server shares (the admission webhook now; the audit-log
/// backend, the L7 guard and the node agent's API next): HTTPS with a certificate reloaded while
/// serving, `/healthz`, `/readyz`, Prometheus `/metrics`, a bounded request body, a request
/// deadline that really bounds the response time (`Deadline`), files reloaded when they change,
/// and a graceful drain on SIGTERM. A server adds its routes and the files it reloads.
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var certificatePath: String
    public var keyPath: String
    /// Largest request body accepted.
    public var maxBodyBytes: Int
    /// Longest a request waits for its answer.
    public var requestTimeout: Duration
    /// How often the certificate and the watched files are checked for changes.
    public var reloadInterval: Duration
    /// How long a new connection has for its TLS handshake and a complete request head, and a
    /// request head for its body (slowloris).
    public var clientTimeout: Duration = .seconds(10)
    /// How long an idle keep-alive connection stays open; longer than the API server's client
    /// keeps one (90 s), so Bulkhead never closes a connection the client is about to use.
    public var idleTimeout: Duration = .seconds(120)
    /// How long requests are still served after SIGTERM, with readiness false, before draining.
    public var drainDelay: Duration = .seconds(5)

    public init(host: String, port: Int, certificatePath: String, keyPath: String, maxBodyBytes: Int, requestTimeout: Duration,
                reloadInterval: Duration) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.maxBodyBytes = maxBodyBytes
        self.requestTimeout = requestTimeout
        self.reloadInterval = reloadInterval
    }
}

/// Files a server reloads when they change (a policy, a rule set), keeping the previous ones
/// when the new ones are bad.
public struct WatchedFiles: Sendable {
    public var name: String
    public var paths: [String]
    public var reload: @Sendable () throws -> Void

    public init(name: String, paths: [String], reload: @escaping @Sendable () throws -> Void) {
        self.name = name
        self.paths = paths
        self.reload = reload
    }
}

public final class ServiceHost: Sendable {
    public let name: String
    public let configuration: ServiceConfiguration
    public let tls: TLSContextBox
    public let metrics: PrometheusCollectorRegistry
    public let watched: [WatchedFiles]
    private let readiness = Locked(false)
    private let slowClients: Counter

    /// Reads the certificate (an error if it cannot: a server never starts without one).
    public init(name: String, configuration: ServiceConfiguration, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                watched: [WatchedFiles] = []) throws {
        self.name = name
        self.metrics = metrics
        self.configuration = configuration
        self.watched = watched
        slowClients = metrics.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "bulkhead", metricName: "slow_connections_closed", unitName: "total",
                                             helpText: "Connections closed for not sending a request, or its body, in time."),
            labels: [("server", name)])
        tls = try TLSContextBox(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
    }

    public var ready: Bool { readiness.current }
    public func setReady(_ ready: Bool) { readiness.set(ready) }
    public var certificateGeneration: Int { tls.generation }

    /// Counts a reload of the certificate or of watched files (`bulkhead_reloads_total`,
    /// `bulkhead_reload_failures_total`, by server and what was reloaded).
    func countReload(_ what: String, succeeded: Bool) {
        let descriptor = succeeded
            ? MetricNameDescriptor(namespace: "bulkhead", metricName: "reloads", unitName: "total",
                                   helpText: "Certificate and watched-file reloads that took effect.")
            : MetricNameDescriptor(namespace: "bulkhead", metricName: "reload_failures", unitName: "total",
                                   helpText: "Reloads refused (the previous files kept).")
        metrics.makeCounter(descriptor: descriptor, labels: [("server", name), ("what", what)]).increment()
    }

    /// The application: the shared endpoints, then the server's own routes.
    public func makeApplication(routes: (Router<BasicRequestContext>) -> Void,
                                onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { [self] _, _ -> Response in
            ready ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready\n")))
        }
        router.get("/metrics") { [metrics] _, _ -> Response in
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        routes(router)
        var applicationConfiguration = ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port))
        applicationConfiguration.serverName = "bulkhead-\(name)"
        return Application(
            router: router,
            server: .reloadingTLS(tls, headTimeout: configuration.clientTimeout, idleTimeout: configuration.idleTimeout,
                                  onSlowClient: { [slowClients] in slowClients.increment() }),
            configuration: applicationConfiguration,
            services: [FileWatchService(host: self)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
    }

    /// Runs the application until SIGTERM or SIGINT, then drains as Kubernetes needs: readiness
    /// turns false at once and requests are still served for `drainDelay` (the endpoints controller
    /// and the API server stop sending to a terminating pod a moment after it is told to stop; a
    /// server that closed at once would drop what is already on its way), then it stops accepting,
    /// answers the requests in flight and closes idle connections.
    public func run(_ application: some ApplicationProtocol) async throws {
        let logger = Logger(label: "bulkhead.\(name)")
        let group = ServiceGroup(configuration: .init(services: [.init(service: application)], logger: logger))
        // Each task answers whether it was the server that ended.
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask { [self] in
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    setReady(false)
                    logger.info("stopping: not ready; serving \(configuration.drainDelay) more, then draining")
                    try? await Task.sleep(for: configuration.drainDelay)
                    await group.triggerGracefulShutdown()
                    break
                }
                return false
            }
            // Wait for the server to end (drained, or failed); then the signal watcher goes with it.
            while let serverEnded = try await tasks.next(), !serverEnded {}
            tasks.cancelAll()
        }
    }

    // MARK: request helpers

    /// The request body, or nil when it is over `maxBodyBytes`.
    public func body(of request: Request) async -> [UInt8]? {
        guard let buffer = try? await request.body.collect(upTo: configuration.maxBodyBytes) else { return nil }
        return Array(buffer.readableBytesView)
    }

    /// Runs synchronous work for a request, answered at the deadline if the work is slower.
    public func withinDeadline<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Deadline.run(within: configuration.requestTimeout, work)
    }

    public static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    public static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, "{\"error\":\(JSONText.quoted(message))}\n")
    }
}

/// Watches the certificate, key and the server's files; reloads them when they change
/// (cert-manager rotation, a ConfigMap update) and keeps serving with the previous ones if the new
/// ones are bad.
struct FileWatchService: Service {
    let host: ServiceHost

    static func stamp(_ path: String?) -> String {
        guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = attributes[.size] as? Int ?? 0
        return "\(modified)/\(size)"
    }

    static func stamp(_ paths: [String]) -> String { paths.map { stamp($0) }.joined(separator: "|") }

    /// Stops with the rest of the server on graceful shutdown (SIGTERM) as well as on cancellation.
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await watch()
        }
    }

    private func watch() async throws {
        let logger = Logger(label: "bulkhead.\(host.name)")
        let configuration = host.configuration
        let certificatePaths = [configuration.certificatePath, configuration.keyPath]
        var certificates = Self.stamp(certificatePaths)
        var stamps = host.watched.map { Self.stamp($0.paths) }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.reloadInterval)
            } catch {
                return
            }
            let newCertificates = Self.stamp(certificatePaths)
            if newCertificates != certificates {
                do {
                    try host.tls.reload(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
                    certificates = newCertificates
                    host.countReload("certificate", succeeded: true)
                    logger.info("reloaded the serving certificate")
                } catch {
                    host.countReload("certificate", succeeded: false)
                    logger.error("keeping the previous certificate: \(error)")
                }
            }
            for (index, files) in host.watched.enumerated() {
                let stamp = Self.stamp(files.paths)
                guard stamp != stamps[index] else { continue }
                do {
                    try files.reload()
                    stamps[index] = stamp
                    host.countReload(files.name, succeeded: true)
                    logger.info("reloaded the \(files.name)")
                } catch {
                    host.countReload(files.name, succeeded: false)
                    logger.error("keeping the previous \(files.name): \(error)")
                }
            }
        }
    }
}
