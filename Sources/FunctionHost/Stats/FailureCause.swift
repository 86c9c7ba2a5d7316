import Foundation
import NIOCore

/// Why a request failed, as the stats, the `X-Emulator-Failure` response header
/// and `emulator storm` name it.
///
/// Database errors are recognised in what the function reported: the SDK's
/// `... (SQLSTATE 53300)`, the error document's `code` (the built-in runtimes
/// add the error's own `code`, node-postgres' and psycopg's SQLSTATE), and the
/// texts of PostgreSQL and the pool that other runtimes pass on as they are.
public enum FailureCause: Hashable, Sendable, CustomStringConvertible {
    /// The database refused a connection: `sorry, too many clients already` (SQLSTATE 53300).
    case tooManyClients
    /// A client of the pool waited `pool.acquireTimeoutMs` for a server connection.
    case poolWaitTimeout
    /// Another database error, by SQLSTATE.
    case database(sqlState: String)
    /// The function ran past its `timeoutSeconds` and was killed.
    case functionTimeout
    /// Refused with 429 by a concurrency limit or the burst limit.
    case throttled
    /// The instance's process exited while it held the invocation.
    case crashed
    /// The instance used more memory than its `memoryMB` and was killed.
    case outOfMemory
    /// No instance could be started.
    case startFailed
    /// The function (or its init) reported any other error, or answered badly.
    case functionError

    /// The cause's name: `sqlstate-53300`, `pool-wait-timeout`, `function-timeout`, ...
    public var description: String {
        switch self {
        case .tooManyClients: "sqlstate-53300"
        case .poolWaitTimeout: "pool-wait-timeout"
        case .database(let sqlState): "sqlstate-\(sqlState)"
        case .functionTimeout: "function-timeout"
        case .throttled: "throttled"
        case .crashed: "crashed"
        case .outOfMemory: "out-of-memory"
        case .startFailed: "start-failed"
        case .functionError: "function-error"
        }
    }

    /// The name of the response header that carries the cause of a failed request.
    public static let headerName = "X-Emulator-Failure"

    /// The cause of an invocation that did not produce a response; nil for a response.
    init?(_ outcome: InvocationOutcome) {
        switch outcome {
        case .response: return nil
        case .functionError(let payload, _), .initError(let payload, _): self = Self.reported(payload)
        case .timedOut: self = .functionTimeout
        case .crashed: self = .crashed
        case .outOfMemory: self = .outOfMemory
        case .responseTooLarge: self = .functionError
        }
    }

    /// Reads a function's error document for a database error.
    private static func reported(_ payload: ByteBuffer) -> FailureCause {
        let object = (try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView))) as? [String: Any]
        let message = object?["errorMessage"] as? String ?? String(buffer: payload)
        if message.contains("no server connection available") { return .poolWaitTimeout }
        if let sqlState = (object?["code"] as? String).flatMap({ isSQLState($0[...]) ? $0 : nil }) ?? sqlState(in: message) {
            return sqlState == "53300" ? .tooManyClients : .database(sqlState: sqlState)
        }
        // PostgreSQL's two texts for SQLSTATE 53300: no slot left, or only the superuser's left.
        if message.contains("too many clients already") || message.contains("remaining connection slots are reserved") {
            return .tooManyClients
        }
        return .functionError
    }

    /// The five characters after `SQLSTATE ` in `message`, when they look like one.
    private static func sqlState(in message: String) -> String? {
        guard let range = message.range(of: "SQLSTATE ") else { return nil }
        let code = message[range.upperBound...].prefix(5)
        guard code.count == 5, code.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else { return nil }
        return String(code)
    }

    /// Five ASCII capitals and digits, at least one a digit (every SQLSTATE has one;
    /// a system error code such as `EPIPE` has none).
    private static func isSQLState(_ code: Substring) -> Bool {
        code.count == 5 && code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } && code.contains { $0.isNumber }
    }
}
