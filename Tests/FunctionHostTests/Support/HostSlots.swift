import Foundation
import Synchronization

/// How many emulator hosts the tests run at once. Every host starts
/// instances (and often a PostgreSQL); run all at once on a small machine,
/// cold starts and timeouts would measure the machine's overload instead of
/// the emulator. Slots are taken by ``HostProcess/start`` and given back when
/// the host is gone.
final class HostSlots: Sendable {
    static let shared = HostSlots(count: max(2, ProcessInfo.processInfo.activeProcessorCount + 1))

    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    private init(count: Int) {
        state = Mutex((count, []))
    }

    /// Waits for a free slot and takes it.
    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Gives a slot back, to the longest waiter if there is one.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
