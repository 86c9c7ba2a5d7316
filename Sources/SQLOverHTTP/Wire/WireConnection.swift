import NIOCore
import NIOPosix
import PostgresPool
import Synchronization

/// One client connection to the pool, logged in and speaking the extended
/// query protocol with text parameters and text results. One request at a time.
final class WireConnection: Sendable {
    private let channel: any Channel
    /// The transaction status of the last ReadyForQuery (`I` idle, `T` in a transaction, `E` failed one).
    private let status = Atomic<UInt8>(UInt8(ascii: "I"))

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Whether the connection is open.
    var isOpen: Bool { channel.isActive }

    /// Whether the connection is open and outside any transaction, so the next request may use it.
    var isReusable: Bool {
        channel.isActive && status.load(ordering: .relaxed) == UInt8(ascii: "I")
    }

    /// Connects to the pool at `host:port` and logs in as `login`.
    ///
    /// - Throws: ``ServerError`` when the pool refuses the login (wrong
    ///   password, too many clients), ``WireError`` when it cannot be reached.
    static func open(
        host: String, port: Int, tls: UpstreamTLSSettings = .disabled, login: Login, secrets: SaltedPasswords,
        group: any EventLoopGroup
    ) async throws -> WireConnection {
        let channel: any Channel
        do {
            let addHandlers: @Sendable (any Channel) throws -> Void = { channel in
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(BackendMessageDecoder()))
                try channel.pipeline.syncOperations.addHandler(WireHandler())
            }
            if let context = try UpstreamTLSContext(settings: tls, host: host) {
                let connected = try await context.connect(port: port, group: group, configure: addHandlers)
                channel = connected.channel
                do {
                    _ = try await connected.settled.get()
                } catch {
                    channel.close(promise: nil)
                    throw error
                }
            } else {
                channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(10))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try addHandlers(channel) }
                    }
                    .connect(host: host, port: port).get()
            }
        } catch {
            throw WireError.cannotConnect(address: "\(host):\(port)", reason: "\(error)")
        }
        let connection = WireConnection(channel: channel)
        do {
            try await LoginExchange(login: login, secrets: secrets).run(on: connection)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Sends `bytes` and returns the answer up to `end`, keeping at most
    /// `rowBudget` bytes of `DataRow`s.
    func send(_ bytes: ByteBuffer, until end: ReplyEnd, rowBudget: Int = 0) async throws -> WireReply {
        let promise = channel.eventLoop.makePromise(of: WireReply.self)
        let pending = WireHandler.Pending(bytes: bytes, end: end, rowBudget: rowBudget, promise: promise)
        channel.writeAndFlush(pending).whenFailure { promise.fail($0) }
        let reply: WireReply
        do {
            reply = try await promise.futureResult.get()
        } catch {
            close()
            throw WireError.connectionLost
        }
        if let status = reply.transactionStatus { self.status.store(status, ordering: .relaxed) }
        return reply
    }

    /// A buffer for building a request.
    func buffer() -> ByteBuffer { channel.allocator.buffer(capacity: 256) }

    /// Closes the connection; the pool rolls back whatever it left open.
    func close() {
        channel.close(promise: nil)
    }
}
