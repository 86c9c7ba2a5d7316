import Foundation
import Synchronization

/// Copies a child's output pipes into a log file, one thread per pipe.
final class LogCopier: Sendable {
    private let openPipes: Mutex<Int>

    /// Starts copying every descriptor of `pipes` to `log`; takes ownership of all of them.
    init(from pipes: [Int32], to log: Int32) {
        openPipes = Mutex(pipes.count)
        for pipe in pipes {
            let destination = dup(log)
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(pipe, &buffer, buffer.count)
                    if count <= 0 { break }
                    _ = buffer.withUnsafeBytes { write(destination, $0.baseAddress, count) }
                }
                close(pipe)
                close(destination)
                openPipes.withLock { $0 -= 1 }
            }
        }
        close(log)
    }

    /// Waits (at most `timeout`) until every pipe has ended and its output is in the log.
    func drain(timeout: Duration = .seconds(1)) async {
        let started = ContinuousClock.now
        while openPipes.withLock({ $0 }) > 0, started.duration(to: .now) < timeout {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
