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
    private let state = Mutex<(issued: Int, stopped: Bool, targetGone: String?)>((0, false, nil))

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

    /// Ends the storm because nothing listens at the target any more (`reason`: the first refusal).
    func stopTargetGone(_ reason: String) {
        state.withLock { state in
            state.stopped = true
            if state.targetGone == nil { state.targetGone = reason }
        }
    }

    /// Why the target was found gone, nil while it answers.
    var targetGone: String? { state.withLock { $0.targetGone } }
}
