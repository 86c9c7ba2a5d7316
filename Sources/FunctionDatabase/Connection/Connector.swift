import FunctionKit
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens connections on the SDK's own event loop, over TLS when the URL's
/// sslmode asks for it, with the application name sent as a startup parameter.
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
        let loop = FunctionEventLoop.group.next()
        let tls = try ConnectionTLS.configuration(settings)
        let channel = try await connectedChannel(settings, on: loop)
        var configuration = channel.map {
            PostgresConnection.Configuration(
                establishedChannel: $0, tls: tls, username: settings.user,
                password: settings.password, database: settings.database)
        } ?? PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user,
            password: settings.password, database: settings.database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        if let applicationName = settings.applicationName {
            configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        }
        do {
            return try await PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: logger)
        } catch {
            try? await channel?.close()
            throw DatabaseError.translating(error, settings: settings)
        }
    }

    /// How long connecting and logging in may take.
    private static let connectTimeout = TimeAmount.seconds(10)

    /// A TCP connection to the host when it is an IP address (the emulator
    /// always gives one), `nil` for a name: postgres-nio then looks it up,
    /// which NIO does on a Dispatch thread of its own.
    private static func connectedChannel(_ settings: ConnectionSettings, on loop: any EventLoop) async throws -> (any Channel)? {
        guard let address = try? SocketAddress(ipAddress: settings.host, port: settings.port) else { return nil }
        do {
            return try await ClientBootstrap(group: loop).connectTimeout(connectTimeout).connect(to: address).get()
        } catch {
            throw DatabaseError.connectionFailed(host: settings.host, port: settings.port, reason: DatabaseError.reason(for: error))
        }
    }
}
