import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Why a request on an ``HTTPConnection`` got no answer.
enum HTTPConnectionError: Error, CustomStringConvertible {
    /// The connection could not be opened; the reason as the system gave it.
    case cannotConnect(String)
    /// The server closed the connection (or it broke) before the answer was complete.
    case closedBeforeAnswer
    /// No complete answer within the time allowed.
    case noAnswer(TimeAmount)

    var description: String {
        switch self {
        case .cannotConnect(let reason): return reason
        case .closedBeforeAnswer: return "the connection closed before the answer was complete"
        case .noAnswer(let timeout): return "no answer within \(timeout.nanoseconds / 1_000_000_000) s"
        }
    }

    /// The reason of a connect nothing listens for (ECONNREFUSED).
    static let refused = String(cString: strerror(ECONNREFUSED))

    /// A short reason for a failed connect, such as `Connection refused`.
    static func reason(of error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return reason(of: first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve \(error.host): \(dns)" }
            return "cannot connect to \(error.host):\(error.port)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case ChannelError.connectTimeout:
            return "connect timed out"
        default:
            return "\(error)"
        }
    }
}
