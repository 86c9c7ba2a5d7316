import NIOCore
import NIOHTTP1

/// Sends one request at a time on its connection and completes the request's
/// promise with the answer, or fails it when the connection closes or no
/// answer comes in time. Closes the connection when the server asks to.
final class HTTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Request
    typealias OutboundOut = HTTPClientRequestPart

    /// A request to write, with the promise its answer completes.
    struct Request: Sendable {
        var head: HTTPRequestHead
        var body: ByteBuffer?
        var timeout: TimeAmount
        var reply: EventLoopPromise<HTTPReply>
    }

    private var pending: (reply: EventLoopPromise<HTTPReply>, timer: Scheduled<Void>)?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.reply.fail(ChannelError.inappropriateOperationForState)
            promise?.fail(ChannelError.inappropriateOperationForState)
            return
        }
        let timeout = request.timeout
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(HTTPConnectionError.noAnswer(timeout))
            context.close(promise: nil)
        }
        pending = (request.reply, timer)
        head = nil
        body = nil
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let payload = request.body, payload.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            body?.writeBuffer(&chunk)
        case .end:
            guard let responseHead = head, let (reply, timer) = pending else { return }
            pending = nil
            timer.cancel()
            reply.succeed(HTTPReply(
                status: Int(responseHead.status.code), headers: responseHead.headers,
                body: body ?? context.channel.allocator.buffer(capacity: 0)))
            if !responseHead.isKeepAlive { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPConnectionError.closedBeforeAnswer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        guard let (reply, timer) = pending else { return }
        pending = nil
        timer.cancel()
        reply.fail(error)
    }
}
