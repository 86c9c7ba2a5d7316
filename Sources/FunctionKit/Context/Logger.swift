/// A tiny logger that writes one line per message to standard error, in the
/// shape AWS Lambda's managed runtimes use:
/// `2026-01-01T12:00:00.000Z	<request id>	INFO	message`.
///
/// The minimum level comes from `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`,
/// `INFO`, `WARN`, `ERROR`; default `INFO`), as with Lambda's advanced logging.
public struct Logger: Sendable {
    /// How important a message is.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case trace, debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .trace: "TRACE"
            case .debug: "DEBUG"
            case .info: "INFO"
            case .warning: "WARN"
            case .error: "ERROR"
            }
        }

        /// Parses `AWS_LAMBDA_LOG_LEVEL` spellings, case-insensitively.
        init?(name: String) {
            switch name.uppercased() {
            case "TRACE": self = .trace
            case "DEBUG": self = .debug
            case "INFO": self = .info
            case "WARN", "WARNING": self = .warning
            case "ERROR", "FATAL": self = .error
            default: return nil
            }
        }
    }

    /// Messages below this level are dropped.
    public var minimumLevel: Level
    /// The request id written into every line, or `nil` outside an invocation.
    public var requestID: String?

    /// A logger for code outside an invocation (setup); the level comes from `AWS_LAMBDA_LOG_LEVEL`.
    public init(requestID: String? = nil) {
        self.init(requestID: requestID, minimumLevel: Platform.environment("AWS_LAMBDA_LOG_LEVEL").flatMap(Level.init(name:)) ?? .info)
    }

    /// A logger with an explicit minimum level.
    public init(requestID: String?, minimumLevel: Level) {
        self.requestID = requestID
        self.minimumLevel = minimumLevel
    }

    /// Writes `message` at `level` unless the level is below ``minimumLevel``.
    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= minimumLevel else { return }
        let timestamp = Platform.utcTimestamp(epochMilliseconds: Platform.epochMilliseconds())
        Platform.writeToStandardError("\(timestamp)\t\(requestID ?? "-")\t\(level)\t\(message())\n")
    }

    /// Writes a trace message.
    public func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    /// Writes a debug message.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    /// Writes an informational message.
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Writes a warning.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Writes an error.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
}
