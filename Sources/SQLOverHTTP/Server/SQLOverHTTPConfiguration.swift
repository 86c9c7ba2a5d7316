import PostgresPool

/// How the SQL-over-HTTP endpoint is set up.
public struct SQLOverHTTPConfiguration: Sendable, Equatable {
    /// Loopback port of the endpoint (0 picks a free one).
    public var port: Int
    /// The pool the endpoint's statements run through.
    public var poolHost: String
    /// Port of that pool.
    public var poolPort: Int
    /// Longest request body accepted; longer ones get 413.
    public var maxRequestBytes: Int
    /// Longest JSON answer; a result that would be longer gets 507.
    public var maxResponseBytes: Int
    /// Idle client connections to the pool kept per login between requests.
    public var maxIdleConnectionsPerLogin: Int
    /// TLS toward the pool (needed when the pool requires it, `pool.tls: "require"`).
    public var poolTLS: UpstreamTLSSettings

    /// Creates a configuration; the size limits default to Neon's (10 MiB each).
    public init(
        port: Int, poolHost: String = "127.0.0.1", poolPort: Int, maxRequestBytes: Int = 10 * 1024 * 1024,
        maxResponseBytes: Int = 10 * 1024 * 1024, maxIdleConnectionsPerLogin: Int = 64,
        poolTLS: UpstreamTLSSettings = .disabled
    ) {
        self.port = port
        self.poolHost = poolHost
        self.poolPort = poolPort
        self.maxRequestBytes = maxRequestBytes
        self.maxResponseBytes = maxResponseBytes
        self.maxIdleConnectionsPerLogin = maxIdleConnectionsPerLogin
        self.poolTLS = poolTLS
    }
}
