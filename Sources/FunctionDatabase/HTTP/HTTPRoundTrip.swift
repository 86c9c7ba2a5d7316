import NIOCore
import NIOHTTP1

/// One request and the promise of its whole response.
struct HTTPRoundTrip: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var response: EventLoopPromise<HTTPAnswer>
}

/// A whole response.
struct HTTPAnswer: Sendable {
    var status: HTTPResponseStatus
    var body: ByteBuffer
    var keepAlive: Bool
}

/// Writes each ``HTTPRoundTrip``'s request and completes its promise with
/// the response; a connection that closes first fails it.
final class HTTPRoundTripHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPRoundTrip
    typealias OutboundOut = HTTPClientRequestPart

    /// The connection closed before the response was complete.
    struct ConnectionClosed: Error {}

    private var waiting = CircularBuffer<EventLoopPromise<HTTPAnswer>>()
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let trip = unwrapOutboundIn(data)
        waiting.append(trip.response)
        context.write(wrapOutboundOut(.head(trip.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(trip.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head, let promise = waiting.popFirst() else { return }
            self.head = nil
            promise.succeed(HTTPAnswer(status: head.status, body: body, keepAlive: head.isKeepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = waiting.popFirst() { promise.fail(ConnectionClosed()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
        context.close(promise: nil)
    }
}
