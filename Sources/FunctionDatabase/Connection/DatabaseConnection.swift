import PostgresNIO

/// One open connection, lent to the closure of ``Database/transaction(isolation:_:)``
/// or ``Database/withConnection(isolation:_:)``.
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM users WHERE id = \(id)")
/// ```
///
/// Interpolated values are sent as bind parameters, never spliced into the SQL.
public struct DatabaseConnection: Sendable {
    /// The postgres-nio connection, for what ``query(_:)`` does not cover
    /// (prepared statements, `LISTEN`, streaming large results). Its errors
    /// are postgres-nio's own.
    public let postgres: PostgresConnection
    let settings: ConnectionSettings

    /// Runs `query` and returns all of its rows (none for a statement
    /// without results).
    ///
    /// - Throws: ``DatabaseError``, e.g. `.server(sqlState:message:)` when the
    ///   server rejects the statement.
    @discardableResult
    public func query(_ query: DatabaseQuery) async throws -> [DatabaseRow] {
        do {
            return try await postgres.query(query.postgresQuery, logger: Connector.logger).collect().map(DatabaseRow.init)
        } catch {
            throw DatabaseError.translating(error, settings: settings)
        }
    }
}

extension DatabaseConnection {
    /// Runs `body` inside a transaction: `BEGIN`, then `COMMIT` when `body`
    /// returns, or `ROLLBACK` when it throws (and its error is rethrown).
    ///
    /// Run every statement of the transaction through the connection `body`
    /// gets. A connection whose `ROLLBACK` failed is closed, since its state
    /// is unknown.
    ///
    /// - Throws: the error `body` threw, or a ``DatabaseError`` from `BEGIN` or `COMMIT`.
    public func transaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await postgres.withTransaction(logger: Connector.logger) { _ in try await body(self) }
        } catch let error as PostgresTransactionError {
            if error.rollbackError != nil {
                try? await postgres.close()
            }
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error
            throw DatabaseError.translating(cause, settings: settings)
        }
    }
}
