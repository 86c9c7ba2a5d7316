import NIOCore

/// Sends requests to the server and gathers each one's answer: a request is
/// written as a ``WireHandler/Pending`` and its promise completes with every
/// message up to the request's ``ReplyEnd``. Messages that arrive while no
/// request waits (notices, parameter changes) are dropped; anything else that
/// arrives then is kept for the next request.
final class WireHandler: ChannelDuplexHandler {
    typealias InboundIn = BackendMessage
    typealias OutboundIn = Pending
    typealias OutboundOut = ByteBuffer

    /// One request: its bytes, where its answer ends, how many `DataRow`
    /// bytes to keep, and the promise for the answer.
    struct Pending {
        var bytes: ByteBuffer
        var end: ReplyEnd
        var rowBudget: Int
        var promise: EventLoopPromise<WireReply>
    }

    private var waiting = CircularBuffer<(pending: Pending, reply: WireReply, rowBytes: Int)>()
    private var unclaimed: [BackendMessage] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let pending = unwrapOutboundIn(data)
        waiting.append((pending, WireReply(), 0))
        context.write(wrapOutboundOut(pending.bytes), promise: promise)
        let early = unclaimed
        unclaimed = []
        for message in early { receive(message) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data))
    }

    private func receive(_ message: BackendMessage) {
        guard !waiting.isEmpty else {
            if ![BackendMessage.noticeResponse, BackendMessage.parameterStatus, BackendMessage.notificationResponse]
                .contains(message.type) {
                unclaimed.append(message)
            }
            return
        }
        switch message.type {
        case BackendMessage.noticeResponse, BackendMessage.notificationResponse:
            return
        case BackendMessage.dataRow:
            waiting[waiting.startIndex].rowBytes += message.body.readableBytes
            if waiting[waiting.startIndex].rowBytes > waiting[waiting.startIndex].pending.rowBudget {
                waiting[waiting.startIndex].reply.overflowed = true
                return
            }
        default:
            break
        }
        waiting[waiting.startIndex].reply.messages.append(message)
        if waiting[waiting.startIndex].pending.end.isLast(message) {
            let (pending, reply, _) = waiting.removeFirst()
            pending.promise.succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let (pending, reply, _) = waiting.popFirst() {
            var reply = reply
            reply.messages += unclaimed
            unclaimed = []
            reply.closed = true
            pending.promise.succeed(reply)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
