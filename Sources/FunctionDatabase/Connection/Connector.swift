import FunctionKit
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens connections on the SDK's own event loop, without TLS, with the
/// application name sent as a startup parameter.
enum Connector {
    /// postgres-nio wants a logger; the SDK reports failures as errors instead.
    static let logger = Logging.Logger(label: "FunctionDatabase", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens a connection to the database in `DATABASE_URL`.
    static func connect() async throws -> (PostgresConnection, ConnectionSettings) {
        let settings = try ConnectionSettings.fromEnvironment { name in
            getenv(name).map { String(cString: $0) }
        }
        return (try await connect(settings), settings)
    }

    /// Opens a connection with `settings`.
    /// - Throws: ``DatabaseError``: the server's refusal (such as SQLSTATE
    ///   53300, too many clients) or why it could not be reached.
    static func connect(_ settings: ConnectionSettings) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user,
            password: settings.password, database: settings.database, tls: .disable)
        if let applicationName = settings.applicationName {
            configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        }
        do {
            return try await PostgresConnection.connect(
                on: FunctionEventLoop.group.next(), configuration: configuration, id: 1, logger: logger)
        } catch {
            throw DatabaseError.translating(error, settings: settings)
        }
    }
}
