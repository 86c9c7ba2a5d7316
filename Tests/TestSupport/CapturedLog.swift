import Logging
import Synchronization

/// A logger whose records a test can read back, each as "<level> <message>".
public final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    private let level: Logger.Level

    /// Captures the records at `level` and above.
    public init(level: Logger.Level = .warning) {
        self.level = level
    }

    public var messages: [String] { lines.withLock { $0 } }

    public var logger: Logger {
        Logger(label: "test-captured") { _ in Handler(log: self, logLevel: self.level) }
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level

        init(log: CapturedLog, logLevel: Logger.Level) {
            self.log = log
            self.logLevel = logLevel
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append("\(event.level) \(event.message)")
        }
    }
}
