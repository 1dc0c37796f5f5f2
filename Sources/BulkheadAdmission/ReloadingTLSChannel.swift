import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// The server's current TLS context. A rotated certificate applies to new connections; open
/// connections keep theirs, so rotation drops nothing.
public final class TLSContextBox: @unchecked Sendable {
    private let lock = NSLock()
    private var context: NIOSSLContext
    public private(set) var generation = 0

    public init(certificatePath: String, keyPath: String) throws {
        context = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
    }

    public var current: NIOSSLContext {
        lock.lock()
        defer { lock.unlock() }
        return context
    }

    public func reload(certificatePath: String, keyPath: String) throws {
        let fresh = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        lock.lock()
        context = fresh
        generation += 1
        lock.unlock()
    }

    /// TLS 1.2 and later, with the certificate chain and key from PEM files.
    static func makeContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
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
    /// HTTP/1.1 over TLS whose certificate can be replaced while the server runs.
    static func reloadingTLS(_ box: TLSContextBox) -> HTTPServerBuilder {
        .init { responder in
            ReloadingTLSChannel(baseChannel: HTTP1Channel(responder: responder), box: box)
        }
    }
}
