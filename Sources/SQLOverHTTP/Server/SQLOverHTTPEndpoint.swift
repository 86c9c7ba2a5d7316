import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// SQL over HTTP in the protocol of Neon's serverless driver, on a loopback
/// port of its own, in front of the emulator's pool: the pattern of edge
/// runtimes that cannot hold TCP connections.
///
/// `POST /sql` with `{"query": "...", "params": [...]}` runs one statement,
/// `{"queries": [...]}` several in one transaction; the `Neon-Connection-String`
/// header says as whom. Every statement runs on a client connection to the
/// pool (kept between requests), so the pool's `maxServerConnections`,
/// queue and `acquireTimeoutMs` apply exactly as to any other client.
///
/// ```swift
/// let endpoint = SQLOverHTTPEndpoint(configuration: .init(port: 0, poolPort: poolPort), logger: logger)
/// let port = try await endpoint.start()   // http://127.0.0.1:<port>/sql
/// // ...
/// await endpoint.shutdown()
/// ```
public final class SQLOverHTTPEndpoint: Sendable {
    /// What the endpoint was created with.
    public let configuration: SQLOverHTTPConfiguration
    private let keeper: ConnectionKeeper
    private let logger: Logger
    private let server = Mutex<(task: Task<Void, any Error>, group: ServiceGroup)?>(nil)

    /// Creates the endpoint; nothing listens until ``start()``.
    public init(configuration: SQLOverHTTPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        keeper = ConnectionKeeper(
            host: configuration.poolHost, port: configuration.poolPort, tls: configuration.poolTLS,
            maxIdlePerLogin: configuration.maxIdleConnectionsPerLogin, group: MultiThreadedEventLoopGroup.singleton)
    }

    /// Starts listening on 127.0.0.1 and returns the bound port.
    /// - Throws: when the port cannot be bound.
    @discardableResult
    public func start() async throws -> Int {
        let (bound, continuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let responder = SQLResponder(
            executor: Executor(keeper: keeper, maxResponseBytes: configuration.maxResponseBytes),
            maxRequestBytes: configuration.maxRequestBytes)
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
        // Run in a service group of its own, so that shutdown() can stop the
        // server gracefully: cancelling it would make Hummingbird log
        // "Waiting on child channel: CancellationError()" as an error.
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
                throw error
            }
        }
        server.withLock { $0 = (task, group) }
        for try await port in bound { return port }
        throw CancellationError()
    }

    /// Stops listening and closes the connections to the pool.
    public func shutdown() async {
        let running = server.withLock { running in
            defer { running = nil }
            return running
        }
        if let running {
            await running.group.triggerGracefulShutdown()
            _ = await running.task.result
        }
        keeper.shutdown()
    }
}
