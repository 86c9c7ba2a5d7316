import EmulatorConfig
import Synchronization

/// The account-wide limits of Lambda: concurrent executions across all
/// functions (`accountConcurrency`), and the burst rate at which new
/// instances may start (a token bucket).
final class ConcurrencyLimits: Sendable {
    private let accountConcurrency: Int
    private let burst: BurstSettings
    private let state: Mutex<State>

    private struct State {
        var executions = 0
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    init(accountConcurrency: Int, burst: BurstSettings) {
        self.accountConcurrency = accountConcurrency
        self.burst = burst
        state = Mutex(State(tokens: Double(burst.capacity), refilledAt: .now))
    }

    /// Why a request was throttled.
    enum Refusal: Error {
        case accountConcurrency(Int)
        case burstRate
    }

    /// Takes one execution slot, and a burst token when a new instance must start.
    func acquire(startingInstance: Bool) throws(Refusal) {
        try state.withLock { (state: inout State) throws(Refusal) in
            guard state.executions < accountConcurrency else { throw .accountConcurrency(accountConcurrency) }
            if startingInstance {
                let now = ContinuousClock.now
                let elapsed = now - state.refilledAt
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                state.tokens = min(Double(burst.capacity), state.tokens + seconds * burst.refillPerSecond)
                state.refilledAt = now
                guard state.tokens >= 1 else { throw .burstRate }
                state.tokens -= 1
            }
            state.executions += 1
        }
    }

    /// Returns an execution slot.
    func release() {
        state.withLock { $0.executions -= 1 }
    }
}
