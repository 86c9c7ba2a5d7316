import EmulatorConfig

/// Where instances reach the database: the pool's URL, the database's own,
/// and the SQL-over-HTTP endpoint in front of the pool.
public struct DatabaseEndpoints: Sendable, Equatable {
    /// The pool, for pooled mode (and the credentials of SQL over HTTP).
    public var pooled: String
    /// The database itself, for direct mode.
    public var direct: String
    /// The SQL-over-HTTP endpoint (`http://127.0.0.1:PORT/sql`), nil when it does not run.
    public var http: String?

    /// Creates the set; `pooled` and `direct` are `postgresql://` URLs with credentials.
    public init(pooled: String, direct: String, http: String? = nil) {
        self.pooled = pooled
        self.direct = direct
        self.http = http
    }
}
