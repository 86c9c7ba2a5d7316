import Metrics

/// Counts requests, failures and durations through swift-metrics, per
/// function (the Prometheus backend is bootstrapped by ``EmulatorMetrics``):
///
/// - `emulator_invocations_total{function, start="cold"|"warm"}`: invocations that reached an instance
/// - `emulator_failures_total{function, cause}`: failed requests (throttles included), causes as in `X-Emulator-Failure`
/// - `emulator_invocation_duration_seconds{function, start}`: a histogram, cold starts included
final class InvocationMetrics: Sendable {
    private let counters = MetricSeries { Counter(label: $0, dimensions: $1) }
    private let timers = MetricSeries { Metrics.Timer(label: $0, dimensions: $1) }

    /// Records a request's outcome.
    func record(_ record: InvocationRecord) {
        if record.instance != nil {
            let start = ("start", record.coldStart ? "cold" : "warm")
            counters("emulator_invocations_total", ("function", record.function), start).increment()
            timers(EmulatorMetrics.durationLabel, ("function", record.function), start)
                .recordNanoseconds(Int64(record.milliseconds * 1_000_000))
        }
        if let cause = record.cause {
            counters("emulator_failures_total", ("function", record.function), ("cause", cause.description)).increment()
        }
    }
}
