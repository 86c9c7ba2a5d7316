#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where the host writes the lines a developer reads: instance output and the
/// Lambda-style `START`/`END`/`REPORT` lines. Whole lines, never interleaved.
public final class LogSink: Sendable {
    private let descriptor: Int32
    private let lock = Mutex<Void>(())

    /// A sink writing to a file descriptor (standard output by default).
    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
    }

    /// Writes `line` and a newline.
    public func write(_ line: String) {
        var text = line
        text.append("\n")
        lock.withLock { _ in
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { return } }
                    offset += written
                }
            }
        }
    }
}
