import EmulatorConfig
import Metrics
import Synchronization

/// Sets the gauges of what exists right now from the stats, before every
/// scrape: instances by state, the mode, the pool and the database.
///
/// - `emulator_instances{function, state="busy"|"idle"|"starting"}`
/// - `emulator_mode{mode="pooled"|"direct"|"http"}`: 1 for the current mode
/// - `emulator_database_connections`, `emulator_database_max_connections`
/// - `emulator_pool_client_connections`, `emulator_pool_waiting_clients`,
///   `emulator_pool_server_connections{state="active"|"idle"|"connecting"}`,
///   `emulator_pool_server_connections_max`, `emulator_pool_wait_seconds{quantile}`
/// - `emulator_pool_transactions_total`, `emulator_pool_errors_total{error}`: the pool's
///   own counters, carried over as counters
final class StateGauges: Sendable {
    private let gauges = MetricSeries { Gauge(label: $0, dimensions: $1) }
    private let counters = MetricSeries { Counter(label: $0, dimensions: $1) }
    /// The pool's counters as last carried over, by series.
    private let carried = Mutex<[String: Int]>([:])

    /// Sets every gauge from `stats`.
    func update(from stats: HostStats) {
        for (function, snapshot) in stats.functions {
            gauges("emulator_instances", ("function", function), ("state", "busy")).record(snapshot.instances.busy)
            gauges("emulator_instances", ("function", function), ("state", "idle")).record(snapshot.instances.idle)
            gauges("emulator_instances", ("function", function), ("state", "starting")).record(snapshot.instances.starting)
        }
        for mode in DatabaseMode.allCases {
            gauges("emulator_mode", ("mode", mode.rawValue)).record(stats.mode == mode ? 1 : 0)
        }
        set("emulator_database_connections", stats.databaseConnections)
        set("emulator_database_max_connections", stats.databaseMaxConnections)
        set("emulator_pool_client_connections", stats.poolClients)
        set("emulator_pool_waiting_clients", stats.poolWaiting)
        for state in ["active", "idle", "connecting"] {
            if let value = stats.poolServerConnections(state) {
                gauges("emulator_pool_server_connections", ("state", state)).record(value)
            }
        }
        set("emulator_pool_server_connections_max", stats.poolServerConnections("max"))
        for (quantile, key) in [("0.5", "p50Ms"), ("0.95", "p95Ms"), ("0.99", "p99Ms")] {
            if let milliseconds = stats.poolWaitTime(key) {
                gauges("emulator_pool_wait_seconds", ("quantile", quantile)).record(milliseconds / 1000)
            }
        }
        carry("emulator_pool_transactions_total", stats.poolTransactions)
        for (error, count) in stats.poolErrors {
            carry("emulator_pool_errors_total", count, label: ("error", error))
        }
    }

    private func set(_ name: String, _ value: Int?) {
        if let value { gauges(name).record(value) }
    }

    /// Increments a counter by how much the pool's own total grew since the last call.
    private func carry(_ name: String, _ total: Int?, label: (String, String)? = nil) {
        guard let total else { return }
        let series = name + (label.map { "{\($0.0)=\($0.1)}" } ?? "")
        let growth = carried.withLock { carried in
            defer { carried[series] = total }
            return max(0, total - (carried[series] ?? 0))
        }
        let counter = label.map { counters(name, $0) } ?? counters(name)
        counter.increment(by: growth)
    }
}
