#if canImport(Glibc)
import Glibc
#endif

/// The storm's messages and progress go to standard error, so that standard
/// output holds only the report.
enum StandardError {
    /// Whether standard error is a terminal (then the progress is a bar redrawn in place).
    static let isTerminal = isatty(2) == 1

    /// Writes `text` as it is.
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Writes one line; on a terminal it first clears a progress bar drawn on the current line.
    static func line(_ text: String) {
        write((isTerminal ? "\r\u{1B}[2K" : "") + text + "\n")
    }
}
