import Synchronization

/// How many requests a storm may still send: a number in total, or as many
/// as fit in a duration. Shared by all callers; ``stop()`` ends it early.
final class RequestBudget: Sendable {
    /// When a storm ends.
    enum Limit: Sendable {
        /// After this many requests in total.
        case requests(Int)
        /// After this long.
        case duration(Duration)
    }

    private let limit: Limit
    private let deadline: ContinuousClock.Instant
    private let state = Mutex<(issued: Int, stopped: Bool)>((0, false))

    /// A budget whose duration (if any) starts now.
    init(_ limit: Limit) {
        self.limit = limit
        if case .duration(let duration) = limit {
            deadline = .now + duration
        } else {
            deadline = .now
        }
    }

    /// Takes one request from the budget; false when the storm is over.
    func take() -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            switch limit {
            case .requests(let total):
                guard state.issued < total else { return false }
            case .duration:
                guard ContinuousClock.now < deadline else { return false }
            }
            state.issued += 1
            return true
        }
    }

    /// Ends the storm: no caller gets another request.
    func stop() {
        state.withLock { $0.stopped = true }
    }
}
