/// The `"database"` object: which PostgreSQL the functions use.
public struct DatabaseSettings: Sendable, Equatable {
    /// A `postgres://` or `postgresql://` URL of an existing database, or nil
    /// to run the managed PostgreSQL. Filled from the host's `DATABASE_URL`
    /// by ``RuntimeConfig/applyingEnvironment(_:)`` when nil.
    public var url: String?
    /// The private PostgreSQL cluster the host runs when `url` is nil.
    public var managed: ManagedDatabaseSettings
    /// Absolute path of a SQL file applied once when the managed cluster is
    /// created (written relative to the project folder in runtime.json), or nil.
    public var setup: String?

    /// Creates database settings; the defaults are a managed database without setup SQL.
    public init(url: String? = nil, managed: ManagedDatabaseSettings = ManagedDatabaseSettings(), setup: String? = nil) {
        self.url = url
        self.managed = managed
        self.setup = setup
    }
}

/// The `"database.managed"` object: the private PostgreSQL cluster under `.emulator/`.
public struct ManagedDatabaseSettings: Sendable, Equatable {
    /// Loopback port the managed PostgreSQL listens on (0: any free port).
    public var port: Int
    /// The server's `max_connections`.
    public var maxConnections: Int
    /// The server speaks TLS (`ssl=on`, a certificate from the emulator's CA), so each
    /// new connection pays the handshake as with a cloud database.
    public var tls: Bool

    /// Creates managed-database settings (defaults: port 54329, 40 connections, TLS on).
    public init(port: Int = 54329, maxConnections: Int = 40, tls: Bool = true) {
        self.port = port
        self.maxConnections = maxConnections
        self.tls = tls
    }
}
