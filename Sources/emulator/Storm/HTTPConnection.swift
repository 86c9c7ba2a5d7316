import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to the emulator, one request at a time.
struct HTTPConnection: Sendable {
    private let channel: any Channel
    private let authority: String

    /// Opens a connection; throws ``HTTPConnectionError/cannotConnect(_:)`` with the reason.
    static func connect(to target: StormTarget, timeout: TimeAmount = .seconds(10)) async throws -> HTTPConnection {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(HTTPReplyHandler())
                    }
                }
                .connect(host: target.host, port: target.port).get()
            return HTTPConnection(channel: channel, authority: "\(target.host):\(target.port)")
        } catch {
            throw HTTPConnectionError.cannotConnect(HTTPConnectionError.reason(of: error))
        }
    }

    /// Whether the connection can take another request (the server has not closed it).
    var isOpen: Bool { channel.isActive }

    /// Sends a request and waits for the whole answer, at most `timeout`.
    /// Cancelling the calling task closes the connection.
    func send(
        _ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, timeout: TimeAmount
    ) async throws -> HTTPReply {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: authority)
        head.headers.add(name: "User-Agent", value: "emulator-storm")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        } else if method == .POST || method == .PUT || method == .PATCH {
            head.headers.add(name: "Content-Length", value: "0")
        }
        let reply = channel.eventLoop.makePromise(of: HTTPReply.self)
        let request = HTTPReplyHandler.Request(head: head, body: body, timeout: timeout, reply: reply)
        channel.writeAndFlush(request).whenFailure { reply.fail($0) }
        let channel = self.channel
        return try await withTaskCancellationHandler {
            try await reply.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}
