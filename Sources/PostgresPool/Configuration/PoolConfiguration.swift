import NIOCore

/// How the pool hands out server connections.
public enum PoolMode: String, Sendable, Equatable {
    /// A server connection is linked to a client for one transaction and returned to the
    /// pool as soon as the transaction ends (ReadyForQuery `I` with nothing outstanding).
    case transaction
    /// A server connection is linked to a client for its whole session and reset with
    /// `DISCARD ALL` before anyone else gets it.
    case session
}

/// How clients prove who they are to the pool.
public enum ClientAuthentication: String, Sendable, Equatable {
    /// SCRAM-SHA-256 (the PostgreSQL default); the password never crosses the wire.
    case scramSHA256
    /// The legacy md5 challenge.
    case md5
    /// No password: every client that names the right user and database is let in.
    case trust
}

/// The real database behind the pool. Clients log in to the pool with these same
/// credentials: the pool's user, password and database are the database's.
public struct UpstreamDatabase: Sendable, Equatable {
    /// Host name or address of the PostgreSQL server.
    public var host: String
    /// TCP port of the PostgreSQL server.
    public var port: Int
    /// The role the pool logs in as (and the only role clients may name).
    public var user: String
    /// The role's password (unused when the server trusts the pool).
    public var password: String
    /// The database the pool connects to (and the only database clients may name).
    public var database: String
    /// TLS toward the database (libpq's `sslmode`, `sslrootcert`, `sslcert`, `sslkey`).
    public var tls: UpstreamTLSSettings

    public init(
        host: String = "127.0.0.1", port: Int, user: String, password: String, database: String,
        tls: UpstreamTLSSettings = .disabled
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }
}

/// Everything the pool needs to know. The defaults mirror runtime.json's.
public struct PoolConfiguration: Sendable, Equatable {
    /// Address the pool listens on.
    public var host: String
    /// Port the pool listens on; 0 picks a free one (see `PostgresPool.start()`).
    public var port: Int
    /// Transaction (default) or session pooling.
    public var mode: PoolMode
    /// Hard cap on connections to the database, connecting ones included.
    public var maxServerConnections: Int
    /// Clients beyond this many get SQLSTATE 53300.
    public var maxClientConnections: Int
    /// How long a client waits for a server connection before it gets SQLSTATE 08P01.
    public var acquireTimeout: Duration
    /// An idle server connection unused this long is closed.
    public var serverIdleTimeout: Duration
    /// A server connection older than this is closed when it is next idle.
    public var serverLifetime: Duration
    /// A server connection idle longer than this is checked with an empty query before reuse.
    public var serverCheckDelay: Duration
    /// A client that has not completed its login within this time is disconnected.
    public var loginTimeout: Duration
    /// How clients authenticate to the pool.
    public var clientAuthentication: ClientAuthentication
    /// In transaction mode, how many of the clients' named prepared statements each server
    /// connection keeps prepared (the least recently used is closed beyond that). At least 1.
    public var maxPreparedStatements: Int
    /// The database behind the pool, and the credentials clients must present.
    public var upstream: UpstreamDatabase
    /// Whether clients may or must use TLS, and the certificate the pool presents.
    public var clientTLS: ClientTLSSettings

    public init(
        host: String = "127.0.0.1",
        port: Int,
        mode: PoolMode = .transaction,
        maxServerConnections: Int = 10,
        maxClientConnections: Int = 5000,
        acquireTimeout: Duration = .seconds(5),
        serverIdleTimeout: Duration = .seconds(600),
        serverLifetime: Duration = .seconds(3600),
        serverCheckDelay: Duration = .seconds(30),
        loginTimeout: Duration = .seconds(60),
        clientAuthentication: ClientAuthentication = .scramSHA256,
        maxPreparedStatements: Int = 200,
        upstream: UpstreamDatabase,
        clientTLS: ClientTLSSettings = .off
    ) {
        precondition(maxPreparedStatements >= 1, "maxPreparedStatements must be at least 1")
        self.host = host
        self.port = port
        self.mode = mode
        self.maxServerConnections = maxServerConnections
        self.maxClientConnections = maxClientConnections
        self.acquireTimeout = acquireTimeout
        self.serverIdleTimeout = serverIdleTimeout
        self.serverLifetime = serverLifetime
        self.serverCheckDelay = serverCheckDelay
        self.loginTimeout = loginTimeout
        self.clientAuthentication = clientAuthentication
        self.maxPreparedStatements = maxPreparedStatements
        self.upstream = upstream
        self.clientTLS = clientTLS
    }

    /// Milliseconds of a duration, for messages that name runtime.json settings.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration as NIO's `TimeAmount`.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
