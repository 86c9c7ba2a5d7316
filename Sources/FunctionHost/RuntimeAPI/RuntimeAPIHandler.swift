import Logging
import NIOCore
import NIOHTTP1

/// Serves the Lambda Runtime API (`2018-06-01`) of one instance on its own
/// connection(s): `/next`, `/response`, `/error` and `/init/error`.
///
/// Bodies are collected up to the payload limit; anything else an instance
/// sends (unknown paths, unknown request ids, a second answer, malformed HTTP)
/// gets Lambda's error status and is logged, and the invocation fails cleanly.
final class RuntimeAPIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let prefix = "/2018-06-01/runtime/"
    private let instance: Instance
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false

    init(instance: Instance, logger: Logger) {
        self.instance = instance
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > maximumPayloadBytes {
                bodyTooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if let reply = route(head, channel: context.channel) {
                Self.send(reply, on: context.channel)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        instance.runtimeConnectionClosed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            logger.warning("instance \(instance.functionName)/\(instance.id) sent malformed Runtime API traffic: \(error)")
        }
        context.close(promise: nil)
    }

    private func route(_ head: HTTPRequestHead, channel: any Channel) -> RuntimeAPIReply? {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path.hasPrefix(Self.prefix) else { return logged(.notFound(path), head) }
        let parts = path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch (head.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            return instance.nextRequested(on: channel)
        case (.POST, 2, "init", "error"):
            return logged(instance.initErrorPosted(body: body, errorType: errorType(head)), head)
        case (.POST, 3, "invocation", "response"):
            let id = String(parts[1])
            if bodyTooLarge { return logged(instance.responseTooLarge(requestId: id), head) }
            return logged(instance.responsePosted(requestId: id, body: body), head)
        case (.POST, 3, "invocation", "error"):
            return logged(instance.errorPosted(requestId: String(parts[1]), body: body, errorType: errorType(head)), head)
        default:
            return logged(.notFound(path), head)
        }
    }

    /// Logs the replies that refuse an instance's call, and passes every reply on.
    private func logged(_ reply: RuntimeAPIReply, _ head: HTTPRequestHead) -> RuntimeAPIReply {
        switch reply {
        case .event, .accepted: break
        default:
            logger.warning(
                "instance \(instance.functionName)/\(instance.id): \(head.method) \(head.uri) refused with \(reply.status.code): \(String(buffer: reply.body(allocator: ByteBufferAllocator())))")
        }
        return reply
    }

    private func errorType(_ head: HTTPRequestHead) -> String? {
        head.headers.first(name: "Lambda-Runtime-Function-Error-Type")
    }

    /// Writes `reply` as one HTTP response; safe from any thread.
    static func send(_ reply: RuntimeAPIReply, on channel: any Channel) {
        let body = reply.body(allocator: channel.allocator)
        var headers = HTTPHeaders()
        if case .event(_, let fields) = reply {
            for (name, value) in fields { headers.add(name: name, value: value) }
        } else {
            headers.add(name: "Content-Type", value: "application/json")
        }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let head = HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }
}
