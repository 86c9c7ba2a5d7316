import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) or SIGTERM while a storm runs. Instead of ending the
/// process, the signal marks the storm interrupted, so that it stops sending,
/// reports what it measured and cleans up.
final class Interruption: Sendable {
    private struct State {
        var triggered = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let sources = Mutex<[any DispatchSourceSignal]>([])

    /// Starts catching SIGINT and SIGTERM for the rest of the process.
    static func trappingSignals() -> Interruption {
        let interruption = Interruption()
        interruption.sources.withLock { sources in
            for signal in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
                source.setEventHandler { interruption.received() }
                source.resume()
                sources.append(source)
            }
        }
        return interruption
    }

    /// Whether a signal came.
    var isTriggered: Bool { state.withLock { $0.triggered } }

    /// The first signal stops the storm; a second one ends the process at once.
    private func received() {
        guard !isTriggered else {
            StandardError.line("storm: quitting at once")
            exit(130)
        }
        StandardError.line("storm: stopping (press Ctrl-C again to quit at once)")
        trigger()
    }

    /// Marks the storm interrupted and wakes every ``wait()``.
    func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.triggered = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a signal came, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.triggered || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
