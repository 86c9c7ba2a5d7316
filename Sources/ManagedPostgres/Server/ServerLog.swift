#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization

/// Forwards the server's output, line by line, to a Logger (prefixed
/// `postgres:`) and keeps the last lines for error messages.
final class ServerLog: Sendable {
    private let logger: Logger
    private let limit: Int
    private let recent = Mutex<[String]>([])
    private let ready = Mutex(false)

    init(logger: Logger, keepingLast limit: Int = 30) {
        self.logger = logger
        self.limit = limit
    }

    /// The last lines the server wrote, oldest first.
    var recentLines: [String] { recent.withLock { $0 } }

    /// Whether the server has logged that it accepts connections.
    var reportedReady: Bool { ready.withLock { $0 } }

    /// Reads `descriptor` on a thread of its own until end of file, then closes it.
    func follow(_ descriptor: Int32) {
        let thread = Thread { [self] in
            self.readLines(from: descriptor)
        }
        thread.name = "postgres-log"
        thread.start()
    }

    private func readLines(from descriptor: Int32) {
        defer { close(descriptor) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        var level = Logger.Level.info
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                record(String(decoding: pending[..<newline], as: UTF8.self), level: &level)
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { record(String(decoding: pending, as: UTF8.self), level: &level) }
    }

    /// Logs one line at the level its severity says; continuation lines
    /// (DETAIL, HINT, STATEMENT, indented ones) keep the level of the line before.
    /// ERROR and FATAL are warnings for the host: they are mostly about one
    /// client (a bad query, a wrong password, too many connections), and the
    /// errors that stop the server reach the caller of `start()` with the log.
    private func record(_ line: String, level: inout Logger.Level) {
        if let severity = Self.severity(of: line) { level = severity }
        if line.contains("database system is ready to accept connections") { ready.withLock { $0 = true } }
        recent.withLock { lines in
            lines.append(line)
            if lines.count > limit { lines.removeFirst(lines.count - limit) }
        }
        logger.log(level: level, "postgres: \(line)")
    }

    static func severity(of line: String) -> Logger.Level? {
        let levels: [(String, Logger.Level)] = [
            ("PANIC:", .critical), ("FATAL:", .warning), ("ERROR:", .warning), ("WARNING:", .warning),
            ("LOG:", .info), ("NOTICE:", .info), ("INFO:", .info), ("DEBUG", .debug),
        ]
        for (marker, level) in levels where line.contains(marker) { return level }
        return nil
    }
}
