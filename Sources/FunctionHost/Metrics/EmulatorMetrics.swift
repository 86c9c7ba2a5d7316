import Metrics
import Prometheus

/// The process's metrics backend: swift-metrics bootstrapped with a
/// Prometheus registry, which `GET /_emulator/metrics` renders.
public enum EmulatorMetrics {
    /// The invocation duration histogram's name.
    static let durationLabel = "emulator_invocation_duration_seconds"

    /// Invocation duration buckets, from a warm hello (about a millisecond) to a slow cold start.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Bootstraps swift-metrics with a new Prometheus registry and returns it.
    /// Call once per process (swift-metrics allows one bootstrap).
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[durationLabel] = durationBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
