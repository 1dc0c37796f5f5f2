import NIOHTTPTypes
import HummingbirdCore
import NIOCore

/// Closes connections that hold the server without sending a request (slowloris): a new connection
/// has `requestTimeout`-bounded time to finish its TLS handshake and send a complete request head,
/// a request head has as long again for its body, and an idle keep-alive connection is closed after
/// `idleTimeout` — longer than the API server's client keeps an idle connection (90 s), so it never
/// races a webhook call on a connection Bulkhead is closing. The deadlines are timers on the
/// connection's event loop: a dribbling client cannot extend them byte by byte.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let headTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let onClose: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    private var armed = false

    init(headTimeout: TimeAmount, idleTimeout: TimeAmount, onClose: @escaping @Sendable () -> Void) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if !armed { arm(context, headTimeout) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context, headTimeout)   // now the body must arrive in time
        case .body: break
        case .end: cancel()                     // the request is whole: the request deadline takes over
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context, idleTimeout) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        cancel()
        armed = true
        let onClose = onClose
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [context] in
            onClose()
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}
