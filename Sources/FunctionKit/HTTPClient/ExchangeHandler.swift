import NIOCore
import NIOHTTP1

/// Turns one ``HTTPExchangeRequest`` written into the channel into HTTP/1.1
/// request parts, and completes its promise with the response once the
/// response's last part arrived. One exchange at a time (no pipelining), which
/// is all the Runtime API needs.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Pending
    typealias OutboundOut = HTTPClientRequestPart

    /// A request on its way out together with the promise of its response.
    struct Pending: Sendable {
        var request: HTTPExchangeRequest
        var response: EventLoopPromise<HTTPExchangeResponse>
    }

    private let host: String
    private var waiting: EventLoopPromise<HTTPExchangeResponse>?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    /// - Parameter host: the value of every request's `Host` header.
    init(host: String) {
        self.host = host
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let pending = unwrapOutboundIn(data)
        guard waiting == nil else {
            pending.response.fail(HTTPExchangeError.exchangeInProgress)
            promise?.fail(HTTPExchangeError.exchangeInProgress)
            return
        }
        guard context.channel.isActive else {
            pending.response.fail(HTTPExchangeError.connectionClosed)
            promise?.fail(HTTPExchangeError.connectionClosed)
            return
        }
        waiting = pending.response

        let request = pending.request
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
        head.headers.add(name: "Host", value: host)
        for header in request.headers {
            head.headers.add(name: header.name, value: header.value)
        }
        head.headers.add(name: "Content-Length", value: String(request.body?.readableBytes ?? 0))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = request.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = context.channel.allocator.buffer(capacity: 0)
        case .body(var part):
            body?.writeBuffer(&part)
        case .end:
            guard let head, let body, let waiting else { return }
            self.head = nil
            self.body = nil
            self.waiting = nil
            waiting.succeed(HTTPExchangeResponse(
                status: head.status, headers: head.headers, body: body, keepAlive: head.isKeepAlive
            ))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPExchangeError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        head = nil
        body = nil
        waiting?.fail(error)
        waiting = nil
    }
}
