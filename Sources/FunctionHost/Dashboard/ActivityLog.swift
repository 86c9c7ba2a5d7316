import Synchronization

/// What requests did between two looks: the dashboard takes a ``Window``
/// every tick (for requests per second, errors by cause and latency over
/// time, and the feed) and keeps the most recent records for a freshly opened page.
final class ActivityLog: Sendable {
    /// How many recent records ``recent`` keeps.
    static let recentCapacity = 100
    /// How many records one window carries at most (the feed); counts are exact beyond it.
    static let windowFeedCapacity = 50
    /// How many durations one window keeps for its percentiles.
    static let windowDurationCapacity = 20_000

    private let state = Mutex(State())

    private struct State {
        var window = Window()
        var recent: [InvocationRecord] = []
        var next = 0
    }

    /// The requests that finished between two ticks.
    struct Window: Sendable {
        /// Requests (failed ones included) by function.
        var requests: [String: Int] = [:]
        /// Failed requests by function.
        var failures: [String: Int] = [:]
        /// Failed requests by cause.
        var failuresByCause: [FailureCause: Int] = [:]
        /// Durations of invocations that reached an instance, in milliseconds.
        var durations: [Double] = []
        /// The newest records, oldest first.
        var feed: [InvocationRecord] = []

        var totalRequests: Int { requests.values.reduce(0, +) }
    }

    /// Counts a finished or refused request.
    func record(_ record: InvocationRecord) {
        state.withLock { state in
            state.window.requests[record.function, default: 0] += 1
            if let cause = record.cause {
                state.window.failures[record.function, default: 0] += 1
                state.window.failuresByCause[cause, default: 0] += 1
            }
            if record.instance != nil, state.window.durations.count < Self.windowDurationCapacity {
                state.window.durations.append(record.milliseconds)
            }
            state.window.feed.append(record)
            if state.window.feed.count > Self.windowFeedCapacity { state.window.feed.removeFirst() }
        }
    }

    /// The window since the last call, starting a new one; its feed joins ``recent``.
    func takeWindow() -> Window {
        state.withLock { state in
            for record in state.window.feed {
                if state.recent.count < Self.recentCapacity {
                    state.recent.append(record)
                } else {
                    state.recent[state.next] = record
                }
                state.next = (state.next + 1) % Self.recentCapacity
            }
            defer { state.window = Window() }
            return state.window
        }
    }

    /// The most recent records of the windows taken so far, oldest first
    /// (what a page opened now missed; the next window has the rest).
    var recent: [InvocationRecord] {
        state.withLock { state in
            Array(state.recent[state.next...] + state.recent[..<state.next])
        }
    }
}
