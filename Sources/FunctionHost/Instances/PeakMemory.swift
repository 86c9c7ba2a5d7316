import Synchronization

/// Lambda's `Max Memory Used` of an instance: the high-water mark of its
/// process's resident memory (`VmHWM`).
///
/// Reading `/proc` costs the host more than the rest of a warm invocation's
/// REPORT line, so a reading is reused for ``maximumAge``: the mark only
/// grows, and a busy instance's REPORT lines show its growth that much later.
final class PeakMemory: Sendable {
    /// How long a reading is reused.
    static let maximumAge = Duration.milliseconds(100)

    private let last = Mutex<(megabytes: Int, at: ContinuousClock.Instant)?>(nil)

    /// The high-water mark of process `pid` in megabytes, nil when it is gone.
    func megabytes(pid: Int32, now: ContinuousClock.Instant = .now) -> Int? {
        if let reading = last.withLock({ $0 }), now - reading.at < Self.maximumAge { return reading.megabytes }
        guard let kilobytes = ProcStatus.kilobytes("VmHWM", pid: pid) else { return nil }
        let megabytes = (kilobytes + 1023) / 1024
        last.withLock { $0 = (megabytes, now) }
        return megabytes
    }
}
