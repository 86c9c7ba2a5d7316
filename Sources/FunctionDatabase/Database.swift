import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
/// A third way holds no connection at all: with `DATABASE_TRANSPORT=http`
/// (runtime.json `"database": "http"` for the function, or the emulator's
/// `http` mode) ``shared`` sends each query by SQL over HTTP to
/// `DATABASE_HTTP_URL`, the way edge runtimes reach PostgreSQL through
/// Neon's serverless driver. The same code runs either way.
///
/// Values interpolated into a query are sent as bind parameters. Rows are
/// ``DatabaseRow``s, the same whichever way they came:
/// `let (id, name) = try row.decode((Int, String).self)`.
/// Failures are ``DatabaseError``s; thrown out of a handler they reach the
/// caller as a 502 whose message names the SQLSTATE and the server's message.
public final class Database: Sendable {
    /// The instance's database: over a PostgreSQL connection, one connection
    /// to `DATABASE_URL`, opened on first use and kept for every later
    /// invocation of this instance (after it was lost, or failed to open, the
    /// next use opens a new one); over SQL over HTTP, keep-alive HTTP
    /// connections to `DATABASE_HTTP_URL` and no database connection.
    ///
    /// A PostgreSQL connection runs one statement at a time; queries started
    /// concurrently wait for each other. While a ``transaction(isolation:_:)``
    /// runs, send the statements that belong to it through its connection.
    public static let shared = Database(environment: { getenv($0).map { String(cString: $0) } })

    private enum Transport: Sendable {
        case connection(SharedConnection)
        case http(Result<HTTPTransport, DatabaseError>)
    }

    private let transport: Transport

    private init(environment: (String) -> String?) {
        if environment("DATABASE_TRANSPORT") == "http" {
            transport = .http(Result { () throws(DatabaseError) in try HTTPTransport.fromEnvironment(environment) })
        } else {
            transport = .connection(SharedConnection())
        }
    }

    /// Runs `query` and returns all of its rows.
    ///
    /// - Throws: ``DatabaseError``: `DATABASE_URL` (or `DATABASE_HTTP_URL`)
    ///   missing or malformed, the database unreachable, or the server's
    ///   error with its SQLSTATE.
    @discardableResult
    public func query(_ query: DatabaseQuery) async throws -> [DatabaseRow] {
        switch transport {
        case .connection(let kept): try await kept.connection().query(query)
        case .http(let http): try await http.get().query(query)
        }
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
    ///
    /// - Throws: ``DatabaseError/needsConnection(_:)`` over SQL over HTTP,
    ///   whose requests cannot hold a transaction open across statements.
    public func transaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseConnection) async throws -> sending Result
    ) async throws -> sending Result {
        guard case .connection(let kept) = transport else { throw DatabaseError.needsConnection("Database.shared.transaction") }
        return try await kept.connection().transaction(body)
    }

    /// Opens a new connection to `DATABASE_URL`, runs `body` with it and
    /// closes it, whether `body` returns or throws: a client per invocation.
    /// It always uses a PostgreSQL connection, whatever `DATABASE_TRANSPORT` says.
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
