import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The reading end of an instance's output pipe, as the host sees it while
/// the forwarder reads it: lets an invocation's END line wait until the lines
/// the function printed before answering have gone to the log.
final class InstanceOutput: Sendable {
    /// A duplicate of the pipe's reading end, only asked how many bytes are unread; -1 once closed.
    private let probe: Mutex<Int32>
    /// The event loop of the forwarder's channel.
    private let eventLoop: any EventLoop

    /// The longest an END line waits for the output before it.
    static let longestWait: Duration = .milliseconds(250)

    init(descriptor: Int32, eventLoop: any EventLoop) {
        probe = Mutex(dup(descriptor))
        self.eventLoop = eventLoop
    }

    /// Returns once the forwarder has read, and written to the log, every
    /// byte that was in the pipe when this was called (at most ``longestWait``).
    /// The function wrote its output before its answer, so its lines then
    /// precede the END line; only a line it has not ended yet stays behind.
    func drained() async {
        let deadline = ContinuousClock.now + Self.longestWait
        while unreadBytes() > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        // The forwarder writes what it read in the same turn of its event loop: one more turn has written it.
        try? await eventLoop.submit {}.get()
    }

    /// Closes the probe (the forwarder's own descriptor is closed by its channel).
    func close() {
        probe.withLock { descriptor in
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    private func unreadBytes() -> Int32 {
        probe.withLock { descriptor in
            guard descriptor >= 0 else { return 0 }
            var count: Int32 = 0
            return ioctl(descriptor, UInt(FIONREAD), &count) == 0 ? count : 0
        }
    }

    deinit { close() }
}
