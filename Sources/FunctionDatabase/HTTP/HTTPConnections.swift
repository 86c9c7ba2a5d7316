import FunctionKit
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Keep-alive HTTP/1.1 connections to the SQL-over-HTTP endpoint: a request
/// takes an idle one (or opens one) and gives it back when its response is
/// complete, so concurrent queries of an instance do not wait for each other.
final class HTTPConnections: Sendable {
    let endpoint: HTTPEndpointURL
    private let idle = Mutex<[any Channel]>([])

    init(endpoint: HTTPEndpointURL) {
        self.endpoint = endpoint
    }

    /// POSTs `body` with `headers` to the endpoint's path and returns the response.
    /// - Throws: ``DatabaseError/connectionFailed(host:port:reason:)`` when the endpoint cannot be reached.
    func post(_ body: ByteBuffer, headers: [(String, String)]) async throws -> HTTPAnswer {
        let channel = try await take()
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path)
        head.headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let promise = channel.eventLoop.makePromise(of: HTTPAnswer.self)
        channel.writeAndFlush(HTTPRoundTrip(head: head, body: body, response: promise)).whenFailure { promise.fail($0) }
        do {
            let answer = try await promise.futureResult.get()
            if answer.keepAlive, channel.isActive {
                idle.withLock { $0.append(channel) }
            } else {
                channel.close(promise: nil)
            }
            return answer
        } catch {
            channel.close(promise: nil)
            throw DatabaseError.connectionLost(reason: "the SQL-over-HTTP endpoint closed the connection")
        }
    }

    private func take() async throws -> any Channel {
        while let channel = idle.withLock({ $0.popLast() }) {
            if channel.isActive { return channel }
        }
        do {
            let bootstrap = ClientBootstrap(group: FunctionEventLoop.group)
                .connectTimeout(.seconds(10))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(HTTPRoundTripHandler())
                    }
                }
            // An IP address (the emulator gives one) connects without a name lookup on a Dispatch thread.
            if let address = try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port) {
                return try await bootstrap.connect(to: address).get()
            }
            return try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw DatabaseError.connectionFailed(host: endpoint.host, port: endpoint.port, reason: DatabaseError.reason(for: error))
        }
    }
}
