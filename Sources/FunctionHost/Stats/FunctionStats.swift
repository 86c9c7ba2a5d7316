import Synchronization

/// Counters and recent latencies of one function, for `/_emulator/stats`.
final class FunctionStats: Sendable {
    /// How many recent durations the percentiles are computed over.
    static let window = 2048

    private let state = Mutex<State>(State())

    private struct State {
        var counters = FunctionCounters()
        var latencies: [Double] = []
        var next = 0
    }

    /// Records one finished invocation.
    func record(_ result: InvocationResult) {
        state.withLock { state in
            state.counters.invocations += 1
            if result.coldStart { state.counters.coldStarts += 1 }
            if let cause = FailureCause(result.outcome) {
                state.counters.errors += 1
                state.counters.failuresByCause[cause, default: 0] += 1
                if cause == .functionTimeout { state.counters.timeouts += 1 }
                if cause == .crashed { state.counters.crashes += 1 }
            }
            if state.latencies.count < Self.window {
                state.latencies.append(result.totalMilliseconds)
            } else {
                state.latencies[state.next] = result.totalMilliseconds
            }
            state.next = (state.next + 1) % Self.window
        }
    }

    /// Records a request refused with 429.
    func recordThrottle() {
        state.withLock { state in
            state.counters.throttles += 1
            state.counters.failuresByCause[.throttled, default: 0] += 1
        }
    }

    /// Records a request that failed because no instance could be started.
    func recordStartFailure() {
        state.withLock { state in
            state.counters.errors += 1
            state.counters.failuresByCause[.startFailed, default: 0] += 1
        }
    }

    /// The counters and the latency percentiles of the recent window.
    func snapshot() -> (FunctionCounters, LatencyPercentiles) {
        let (counters, latencies) = state.withLock { ($0.counters, $0.latencies) }
        return (counters, LatencyPercentiles(latencies))
    }
}

/// What happened to a function's invocations since the host started.
struct FunctionCounters: Sendable, Equatable {
    var invocations = 0
    var coldStarts = 0
    var errors = 0
    var throttles = 0
    var timeouts = 0
    var crashes = 0
    /// Every failed request (errors and throttles) by cause.
    var failuresByCause: [FailureCause: Int] = [:]
}

/// p50/p95/p99 of a set of durations, in milliseconds.
struct LatencyPercentiles: Sendable, Equatable {
    var p50Ms: Double?
    var p95Ms: Double?
    var p99Ms: Double?

    init(_ samples: [Double]) {
        guard !samples.isEmpty else { return }
        let sorted = samples.sorted()
        func at(_ fraction: Double) -> Double {
            let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
            return (sorted[max(0, index)] * 100).rounded() / 100
        }
        p50Ms = at(0.50)
        p95Ms = at(0.95)
        p99Ms = at(0.99)
    }
}
