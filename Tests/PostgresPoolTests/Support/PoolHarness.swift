import Logging
import ManagedPostgres
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresPool
import TestSupport

/// Runs a pool (port 0) in front of a database for one test and shuts it down afterwards.
enum PoolHarness {
    static let logger: Logger = {
        var logger = Logger(label: "pool-test")
        logger.logLevel = .warning
        return logger
    }()

    /// The pool's configuration for `database`, customized by the test.
    static func configuration(
        for database: DatabaseCredentials,
        _ customize: (inout PoolConfiguration) -> Void = { _ in }
    ) -> PoolConfiguration {
        var configuration = PoolConfiguration(
            port: 0,
            upstream: UpstreamDatabase(
                host: database.host, port: database.port, user: database.user,
                password: database.password, database: database.database
            )
        )
        customize(&configuration)
        return configuration
    }

    /// Starts a pool in front of `database` (the shared test database's `app` role by
    /// default), runs `body` with the pool and credentials that reach the database through
    /// it, then shuts the pool down.
    static func withPool<Result>(
        database: DatabaseCredentials? = nil,
        logger: Logger = PoolHarness.logger,
        _ customize: (inout PoolConfiguration) -> Void = { _ in },
        _ body: (PostgresPool, DatabaseCredentials) async throws -> Result
    ) async throws -> Result {
        let upstream: DatabaseCredentials
        if let database {
            upstream = database
        } else {
            upstream = try await TestDatabase.shared().application
        }
        let pool = PostgresPool(configuration: configuration(for: upstream, customize), logger: logger)
        let port = try await pool.start()
        var pooled = upstream
        pooled.host = "127.0.0.1"
        pooled.port = port
        do {
            let result = try await body(pool, pooled)
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// A postgres-nio connection with `credentials`, closed after `body`.
    static func withConnection<Result>(
        _ credentials: DatabaseCredentials,
        applicationName: String? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var configuration = PostgresConnection.Configuration(
            host: credentials.host, port: credentials.port, username: credentials.user,
            password: credentials.password, database: credentials.database, tls: .disable
        )
        if let applicationName {
            configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        }
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
        )
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs one query and returns the first column of every row as text.
    static func strings(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [String] {
        var result: [String] = []
        for try await row in try await connection.query(query, logger: logger) {
            result.append(try row.decode(String.self))
        }
        return result
    }

    /// The SQLSTATE of a postgres-nio error, if the server (or pool) sent one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The message of a postgres-nio error, if the server (or pool) sent one.
    static func message(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.message]
    }
}
