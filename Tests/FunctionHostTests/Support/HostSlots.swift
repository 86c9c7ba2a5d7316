import Foundation
import Synchronization

/// How many emulator hosts the tests run at once. Every host starts
/// instances (and often a PostgreSQL); run all at once on a small machine,
/// cold starts and timeouts would measure the machine's overload instead of
/// the emulator. Slots are taken by ``HostProcess/start`` and given back when
/// the host is gone. A test that waits a minute for a slot gets one anyway,
/// so a test holding two hosts at once can never wait forever.
final class HostSlots: Sendable {
    static let shared = HostSlots(count: max(2, ProcessInfo.processInfo.activeProcessorCount + 1))

    private struct State {
        var free: Int
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
        /// Slots handed out beyond the count to waiters that waited too long.
        var borrowed = 0
    }

    private let state: Mutex<State>
    private static let patience = Duration.seconds(60)

    private init(count: Int) {
        state = Mutex(State(free: count))
    }

    /// Waits for a free slot (at most a minute) and takes it.
    func acquire() async {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state -> Int? in
                guard state.free == 0 else {
                    state.free -= 1
                    return nil
                }
                state.nextID += 1
                state.waiters.append((state.nextID, continuation))
                return state.nextID
            }
            guard let waiting else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: Self.patience)
                let late = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == waiting }) else { return nil }
                    state.borrowed += 1
                    return state.waiters.remove(at: index).continuation
                }
                late?.resume()
            }
        }
    }

    /// Gives a slot back: to the longest waiter if there is one.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.borrowed > 0 {
                state.borrowed -= 1
                return nil
            }
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
