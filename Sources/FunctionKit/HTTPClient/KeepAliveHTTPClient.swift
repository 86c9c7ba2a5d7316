import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for one server that reuses a single keep-alive
/// connection for every request. It connects on the first request, and again
/// only when the server closed the connection between two requests.
///
/// Not thread-safe by design: the runtime loop is its only user and sends one
/// request at a time.
final class KeepAliveHTTPClient {
    private let endpoint: Endpoint
    private let group: any EventLoopGroup
    private var channel: (any Channel)?

    init(endpoint: Endpoint, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.group = group
    }

    /// Sends `request` and waits as long as it takes for the whole response
    /// (the Runtime API's `/next` is a long poll). Cancelling the waiting task
    /// closes the connection.
    func send(_ request: HTTPExchangeRequest) async throws -> HTTPExchangeResponse {
        let channel = try await connection()
        let promise = channel.eventLoop.makePromise(of: HTTPExchangeResponse.self)
        channel.writeAndFlush(ExchangeHandler.Pending(request: request, response: promise), promise: nil)
        let response: HTTPExchangeResponse
        do {
            response = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            self.channel = nil
            channel.close(promise: nil)
            throw error
        }
        if !response.keepAlive {
            self.channel = nil
            channel.close(promise: nil)
        }
        return response
    }

    /// Closes the connection, if there is one.
    func close() async {
        guard let channel else { return }
        self.channel = nil
        try? await channel.close()
    }

    private func connection() async throws -> any Channel {
        if let channel, channel.isActive {
            return channel
        }
        let host = endpoint.description
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler(host: host))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .get()
        self.channel = channel
        return channel
    }
}
