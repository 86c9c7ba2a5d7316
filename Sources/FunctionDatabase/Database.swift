import PostgresNIO

/// PostgreSQL access for a function, at the database in `DATABASE_URL`.
///
/// Two patterns, so they can be compared:
///
/// - **Global client** (``shared``): one connection per instance, opened on
///   first use and kept across warm invocations.
///
///   ```swift
///   let rows = try await Database.shared.query("SELECT id, name FROM users LIMIT 10")
///   ```
///
/// - **Client per invocation** (``withConnection(isolation:_:)``): connect,
///   run, close, every time.
///
///   ```swift
///   let rows = try await Database.withConnection { connection in
///       try await connection.query("SELECT id, name FROM users LIMIT 10")
///   }
///   ```
///
/// Either way every instance holds its own connection while it works, so
/// many instances need many connections: point `DATABASE_URL` at a pool.
///
/// Values interpolated into a query are sent as bind parameters. Rows are
/// postgres-nio's `PostgresRow`: `let (id, name) = try row.decode((Int, String).self)`.
/// Failures are ``DatabaseError``s; thrown out of a handler they reach the
/// caller as a 502 whose message names the SQLSTATE and the server's message.
public final class Database: Sendable {
    /// The instance's database: one connection to `DATABASE_URL`, opened on
    /// first use and kept for every later invocation of this instance; after
    /// it was lost (or failed to open) the next use opens a new one.
    ///
    /// The connection runs one statement at a time; queries started
    /// concurrently wait for each other. While a ``transaction(isolation:_:)``
    /// runs, send the statements that belong to it through its connection.
    public static let shared = Database()

    private let kept = SharedConnection()

    private init() {}

    /// Runs `query` on the kept connection and returns all of its rows.
    ///
    /// - Throws: ``DatabaseError``: `DATABASE_URL` missing or malformed, the
    ///   database unreachable, or the server's error with its SQLSTATE.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await kept.connection().query(query)
    }

    /// Runs `body` in a transaction on the kept connection: `BEGIN`, then
    /// `COMMIT` when `body` returns, `ROLLBACK` when it throws (its error is rethrown).
    ///
    /// ```swift
    /// let order = try await Database.shared.transaction { connection in
    ///     try await connection.query("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(id)")
    ///     return try await connection.query("INSERT INTO orders ... RETURNING id")
    /// }
    /// ```
    public func transaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await kept.connection().transaction(body)
    }

    /// Opens a new connection to `DATABASE_URL`, runs `body` with it and
    /// closes it, whether `body` returns or throws: a client per invocation.
    ///
    /// - Throws: the error `body` threw, or a ``DatabaseError`` when the
    ///   connection could not be opened.
    public static func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let (postgres, settings) = try await Connector.connect()
        let result: Result
        do {
            result = try await body(DatabaseConnection(postgres: postgres, settings: settings))
        } catch {
            try? await postgres.close()
            throw error
        }
        try? await postgres.close()
        return result
    }
}
