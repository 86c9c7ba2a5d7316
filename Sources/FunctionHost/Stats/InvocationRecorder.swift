/// Where the instance manager reports every request's outcome: the
/// dashboard's activity log and the Prometheus counters.
final class InvocationRecorder: Sendable {
    /// Requests between two dashboard ticks, and the most recent ones.
    let activity = ActivityLog()
    private let metrics = InvocationMetrics()

    /// An invocation that reached an instance and ended somehow.
    func finished(_ result: InvocationResult, function: String) {
        record(InvocationRecord(result, function: function))
    }

    /// A request no instance served: throttled, or none could start.
    func refused(function: String, cause: FailureCause) {
        record(InvocationRecord(refused: function, cause: cause))
    }

    private func record(_ record: InvocationRecord) {
        activity.record(record)
        metrics.record(record)
    }
}
