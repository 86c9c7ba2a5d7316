import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A PostgreSQL wire-protocol connection pooler (in the spirit of PgBouncer).
///
/// Clients connect to it as to PostgreSQL, with the database's own user, password and
/// database name. The pool holds at most `maxServerConnections` connections to the
/// database and, in transaction mode, links one to a client only for the duration of a
/// transaction. Clients that find every connection busy wait (first come, first served)
/// up to `acquireTimeout`, then get an ErrorResponse (SQLSTATE 08P01).
///
/// The whole pool runs on a single event loop taken from `eventLoopGroup`.
///
/// ```swift
/// let pool = PostgresPool(configuration: PoolConfiguration(port: 0, upstream: database))
/// let port = try await pool.start()
/// // ... clients connect to 127.0.0.1:port ...
/// await pool.shutdown()
/// ```
public final class PostgresPool: Sendable {
    /// What the pool was created with.
    public let configuration: PoolConfiguration
    private let eventLoop: any EventLoop
    private let core: NIOLoopBoundBox<PoolCore>
    private let boundPort = Mutex<Int?>(nil)

    /// Creates a pool; nothing listens until `start()`. Deriving the SCRAM secret for client
    /// logins costs a few milliseconds here.
    public init(
        configuration: PoolConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "postgres-pool")
    ) {
        self.configuration = configuration
        let eventLoop = eventLoopGroup.next()
        self.eventLoop = eventLoop
        let core = PoolCore(
            configuration: configuration,
            eventLoop: eventLoop,
            logger: logger,
            scramVerifier: SCRAMVerifier(password: configuration.upstream.password)
        )
        self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: eventLoop)
    }

    /// Starts listening and returns the bound port (useful with `port: 0`). A certificate
    /// or key that `clientTLS` or `upstream.tls` names and that cannot be used is a
    /// ``TLSSettingsError`` naming it.
    @discardableResult
    public func start() async throws -> Int {
        let core = self.core
        let tls = try TLSContexts(client: configuration.clientTLS, upstream: configuration.upstream)
        let port = try await eventLoop.flatSubmit {
            core.value.tls = tls
            return core.value.start(box: core)
        }.get()
        boundPort.withLock { $0 = port }
        return port
    }

    /// Starts the pool and runs until `shutdown()` is called or the task is cancelled
    /// (which shuts the pool down).
    public func run() async throws {
        try await start()
        let core = self.core
        let closed = try await eventLoop.submit { core.value.closed }.get()
        await withTaskCancellationHandler {
            try? await closed.get()
        } onCancel: {
            Task { await self.shutdown() }
        }
    }

    /// The port the pool listens on, once started.
    public var port: Int? {
        boundPort.withLock { $0 }
    }

    /// Stops listening, tells connected clients the pool is shutting down (SQLSTATE 57P01),
    /// and closes every server connection. Returns when all of them are closed.
    public func shutdown() async {
        let core = self.core
        try? await eventLoop.flatSubmit { core.value.shutdown() }.get()
    }

    /// A snapshot of the pool's connections, waits, traffic and errors.
    public func stats() async -> PoolStats {
        let core = self.core
        return try! await eventLoop.submit { core.value.snapshot() }.get()
    }
}
