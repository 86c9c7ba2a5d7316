/// The `"pool"` object: the PostgreSQL wire-protocol pool inside the host.
public struct PoolSettings: Sendable, Equatable {
    /// Loopback port the pool listens on (0: any free port).
    public var port: Int
    /// Transaction pooling (default) or session pooling.
    public var mode: PoolingMode
    /// Most connections the pool ever holds to the database.
    public var maxServerConnections: Int
    /// How long a client waits for a server connection before it gets an error.
    public var acquireTimeoutMs: Int
    /// Most client connections the pool accepts at once.
    public var maxClientConnections: Int
    /// An idle server connection is closed after this many seconds.
    public var serverIdleTimeoutSeconds: Double
    /// A server connection is closed (when idle) after this many seconds of life.
    public var serverLifetimeSeconds: Double
    /// How clients authenticate to the pool.
    public var clientAuth: ClientAuthMethod
    /// Most named statements each server connection keeps prepared (least recently used closed first).
    public var maxPreparedStatements: Int
    /// Whether clients may or must use TLS (the certificate is the emulator's own, under `.emulator/tls/`).
    public var tls: PoolTLSMode

    /// Creates pool settings; every parameter defaults to the documented default.
    public init(
        port: Int = 6432,
        mode: PoolingMode = .transaction,
        maxServerConnections: Int = 10,
        acquireTimeoutMs: Int = 5000,
        maxClientConnections: Int = 5000,
        serverIdleTimeoutSeconds: Double = 300,
        serverLifetimeSeconds: Double = 3600,
        clientAuth: ClientAuthMethod = .scramSHA256,
        maxPreparedStatements: Int = 200,
        tls: PoolTLSMode = .allow
    ) {
        self.port = port
        self.mode = mode
        self.maxServerConnections = maxServerConnections
        self.acquireTimeoutMs = acquireTimeoutMs
        self.maxClientConnections = maxClientConnections
        self.serverIdleTimeoutSeconds = serverIdleTimeoutSeconds
        self.serverLifetimeSeconds = serverLifetimeSeconds
        self.clientAuth = clientAuth
        self.maxPreparedStatements = maxPreparedStatements
        self.tls = tls
    }
}

/// When a client's server connection goes back to the pool (`"pool.mode"`).
public enum PoolingMode: String, Sendable, Equatable, CaseIterable {
    /// Released at the end of each transaction (the default).
    case transaction
    /// Held for the whole client connection; `DISCARD ALL` before reuse.
    case session
}

/// How clients authenticate to the pool (`"pool.clientAuth"`).
public enum ClientAuthMethod: String, Sendable, Equatable, CaseIterable {
    /// SCRAM-SHA-256 with the database's credentials (the default).
    case scramSHA256 = "scram-sha-256"
    /// MD5 password authentication.
    case md5
    /// No authentication (the pool listens on loopback only).
    case trust
}

/// TLS between clients and the pool (`"pool.tls"`).
public enum PoolTLSMode: String, Sendable, Equatable, CaseIterable {
    /// Plain connections only: the pool answers `N` to SSLRequest.
    case off
    /// TLS when the client asks for it (the default).
    case allow
    /// Plain connections are refused with an error saying what to set.
    case require
}
