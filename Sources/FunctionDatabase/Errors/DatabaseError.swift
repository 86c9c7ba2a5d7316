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

/// Why a database call failed, in words a caller can act on.
///
/// Thrown out of a handler, it reaches the caller as a 502 whose `errorType`
/// is `DatabaseError` and whose `errorMessage` is ``description``. An error
/// the server sent reads `<server message> (SQLSTATE <code>)`, for example
/// `sorry, too many clients already (SQLSTATE 53300)`.
public enum DatabaseError: Error, CustomStringConvertible, Equatable {
    /// `DATABASE_URL` is not set.
    case missingURL
    /// `DATABASE_TRANSPORT` is `http` but `DATABASE_HTTP_URL` is not set.
    case missingHTTPURL
    /// What was asked for needs a PostgreSQL connection, but the function's transport is SQL over HTTP.
    case needsConnection(String)
    /// `DATABASE_URL` is set but cannot be used; `reason` says which part is wrong.
    case invalidURL(reason: String)
    /// The database (or the pool in front of it) could not be reached at `host:port`.
    case connectionFailed(host: String, port: Int, reason: String)
    /// The server answered with an error: its SQLSTATE code and message.
    case server(sqlState: String, message: String)
    /// The connection went away while a query was running or about to run.
    case connectionLost(reason: String)
    /// Any other failure of the PostgreSQL client.
    case client(reason: String)

    /// The SQLSTATE code when the server sent the error, `nil` otherwise.
    public var sqlState: String? {
        if case .server(let sqlState, _) = self { sqlState } else { nil }
    }

    public var description: String {
        switch self {
        case .missingURL:
            "DATABASE_URL is not set: the function needs a database (on the emulator, give runtime.json a \"database\" instead of null)"
        case .missingHTTPURL:
            "DATABASE_HTTP_URL is not set: DATABASE_TRANSPORT=http needs the emulator's SQL-over-HTTP endpoint (runtime.json \"sqlOverHTTP\" must not be null)"
        case .needsConnection(let what):
            "\(what) needs a PostgreSQL connection, but this function reaches the database by SQL over HTTP (DATABASE_TRANSPORT=http), where each query stands alone"
        case .invalidURL(let reason):
            "DATABASE_URL is not a usable postgresql:// URL: \(reason)"
        case .connectionFailed(let host, let port, let reason):
            "cannot connect to the database at \(host):\(port): \(reason)"
        case .server(let sqlState, let message):
            "\(message) (SQLSTATE \(sqlState))"
        case .connectionLost(let reason):
            "the database connection was lost: \(reason)"
        case .client(let reason):
            "database client error: \(reason)"
        }
    }
}

extension DatabaseError {
    /// Translates postgres-nio's error (whose description is deliberately
    /// vague) into one that names what happened. Errors other than
    /// `PSQLError` are returned as they are.
    static func translating(_ error: any Error, settings: ConnectionSettings) -> any Error {
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .server:
            return DatabaseError.server(
                sqlState: error.serverInfo?[.sqlState] ?? "XX000",
                message: error.serverInfo?[.message] ?? "the server reported an error without a message")
        case .connectionError:
            return DatabaseError.connectionFailed(
                host: settings.host, port: settings.port, reason: error.underlying.map(reason(for:)) ?? "unknown cause")
        case .serverClosedConnection, .uncleanShutdown:
            return DatabaseError.connectionLost(
                reason: "the server closed it" + (error.underlying.map { " (\(reason(for: $0)))" } ?? ""))
        case .clientClosedConnection:
            return DatabaseError.connectionLost(reason: "it was closed on this side")
        default:
            return DatabaseError.client(
                reason: "\(error.code)" + (error.underlying.map { ": \(reason(for: $0))" } ?? ""))
        }
    }

    /// A short reason for a network failure, such as `Connection refused`.
    static func reason(for error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            guard let first = error.connectionErrors.first else {
                return (error.dnsAError ?? error.dnsAAAAError).map { "cannot resolve the host (\($0))" } ?? "no address to connect to"
            }
            return reason(for: first.error)
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case ChannelError.connectTimeout(let timeout):
            return "no answer within \(timeout.nanoseconds / 1_000_000_000) s"
        default:
            return "\(error)"
        }
    }
}
