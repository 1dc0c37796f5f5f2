import BulkheadCore
import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// The server's current TLS context. A rotated certificate applies to new connections; open
/// connections keep theirs, so rotation drops nothing.
public final class TLSContextBox: Sendable {
    /// The context and how many times it was replaced, read and written together.
    private let state: Locked<(context: NIOSSLContext, generation: Int)>

    public init(certificatePath: String, keyPath: String) throws {
        state = Locked((try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath), 0))
    }

    public var current: NIOSSLContext { state.withLock { $0.context } }

    /// How many times the certificate was reloaded.
    public var generation: Int { state.withLock { $0.generation } }

    public func reload(certificatePath: String, keyPath: String) throws {
        let fresh = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        state.withLock { $0 = (fresh, $0.generation + 1) }
    }

    /// TLS 1.2 and later, with the certificate chain and key from PEM files.
    static func makeContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A closing connection waits this long for the peer's close_notify (5 s by default): a
        // slow client closed by SlowClientGuard should not hold its descriptor that much longer.
        configuration.shutdownTimeout = .seconds(1)
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Hummingbird's TLS child channel, but taking the context from a `TLSContextBox` for every new
/// connection instead of fixing it at start-up.
struct ReloadingTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    typealias Value = BaseChannel.Value

    let baseChannel: BaseChannel
    let box: TLSContextBox

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: box.current))
        }.flatMap {
            baseChannel.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS whose certificate can be replaced while the server runs, with slow
    /// clients closed (`SlowClientGuard`).
    static func reloadingTLS(_ box: TLSContextBox, headTimeout: Duration, idleTimeout: Duration,
                             onSlowClient: @escaping @Sendable () -> Void) -> HTTPServerBuilder {
        let head = TimeAmount.nanoseconds(Int64(headTimeout / .nanoseconds(1)))
        let idle = TimeAmount.nanoseconds(Int64(idleTimeout / .nanoseconds(1)))
        return .init { responder in
            let configuration = HTTP1Channel.Configuration(
                additionalChannelHandlers: [SlowClientGuard(headTimeout: head, idleTimeout: idle, onClose: onSlowClient)])
            return ReloadingTLSChannel(baseChannel: HTTP1Channel(responder: responder, configuration: configuration), box: box)
        }
    }
}
