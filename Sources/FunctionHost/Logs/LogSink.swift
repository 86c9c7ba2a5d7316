#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Where the host writes the lines a developer reads: its own lines, instance
/// output and the Lambda-style `START`/`END`/`REPORT` lines. Whole lines, never
/// interleaved; as text or as one JSON object per line (``LogFormat``).
///
/// On a terminal (text format only) the sink also keeps a one-line live
/// summary below the log, redrawn in place; elsewhere it shows none.
public final class LogSink: Sendable {
    private let descriptor: Int32
    /// The lines' format.
    public let format: LogFormat
    /// Whether ``showStatus(_:)`` draws anything: text on a terminal.
    public let showsStatus: Bool
    private let status = Mutex<String?>(nil)

    /// A sink writing to a file descriptor (standard output by default).
    public init(descriptor: Int32 = 1, format: LogFormat = .text) {
        self.descriptor = descriptor
        self.format = format
        showsStatus = format == .text && isatty(descriptor) == 1
    }

    /// Writes `line`: the host's own, or `[source] message` for an instance's (or another source's).
    public func write(_ line: String) {
        switch format {
        case .text: emit(line)
        case .json: emit(LogLine(parsing: line).json(at: Date()))
        }
    }

    /// Writes several lines together, with one system call: the END and REPORT
    /// lines of every invocation.
    public func write(lines: [String]) {
        switch format {
        case .text: emit(lines.joined(separator: "\n"))
        case .json: emit(lines.map { LogLine(parsing: $0).json(at: Date()) }.joined(separator: "\n"))
        }
    }

    /// Writes a message with an explicit level and source (swift-log's lines).
    func write(_ message: String, level: String, source: String, text: @autoclosure () -> String) {
        switch format {
        case .text: emit(text())
        case .json: emit(LogLine(level: level, source: source, message: message).json(at: Date()))
        }
    }

    /// Replaces the live summary line (nil removes it); does nothing unless ``showsStatus``.
    public func showStatus(_ line: String?) {
        guard showsStatus else { return }
        status.withLock { status in
            status = line.map { Self.fitted($0, columns: terminalColumns()) }
            put("\r\u{1B}[2K" + (status ?? ""))
        }
    }

    private func emit(_ line: String) {
        status.withLock { status in
            if let status {
                put("\r\u{1B}[2K" + line + "\n" + status)
            } else {
                put(line + "\n")
            }
        }
    }

    /// Writes all of `text` (called with the lock held).
    private func put(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    private func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 120 }
        return Int(size.ws_col)
    }

    /// `line` cut to fit one row, so the redraw in place never wraps.
    private static func fitted(_ line: String, columns: Int) -> String {
        line.count < columns ? line : String(line.prefix(max(0, columns - 2))) + "…"
    }
}
