import Foundation

/// One tick of the dashboard's charts: the figures it plots over time.
struct ChartPoint: Sendable {
    /// Milliseconds since 1970.
    var time: Double
    var instances: InstanceCounts
    var databaseConnections: Int?
    var databaseMaxConnections: Int?
    var poolWaiting: Int?
    var poolServerActive: Int?
    var poolServerIdle: Int?
    var poolServerMax: Int?
    /// Requests that finished (or were refused) per second since the previous tick.
    var requestsPerSecond: Double
    /// Failed requests per second by cause.
    var errorsPerSecond: [String: Double]
    /// Percentiles of the durations of the invocations since the previous tick.
    var p50Ms: Double?
    var p99Ms: Double?

    /// The point of `stats` and of the `window` of requests that took `seconds`.
    init(stats: HostStats, window: ActivityLog.Window, seconds: Double, time: Date = Date()) {
        self.time = (time.timeIntervalSince1970 * 1000).rounded()
        instances = stats.instances
        databaseConnections = stats.databaseConnections
        databaseMaxConnections = stats.databaseMaxConnections
        poolWaiting = stats.poolWaiting
        poolServerActive = stats.poolServerConnections("active")
        poolServerIdle = stats.poolServerConnections("idle")
        poolServerMax = stats.poolServerConnections("max")
        requestsPerSecond = Self.rate(window.totalRequests, seconds)
        errorsPerSecond = Dictionary(uniqueKeysWithValues: window.failuresByCause.map { ($0.key.description, Self.rate($0.value, seconds)) })
        let latency = LatencyPercentiles(window.durations)
        p50Ms = latency.p50Ms
        p99Ms = latency.p99Ms
    }

    /// `count` per second over `seconds`, to 0.1.
    static func rate(_ count: Int, _ seconds: Double) -> Double {
        seconds > 0 ? (Double(count) / seconds * 10).rounded() / 10 : 0
    }

    var json: [String: Any] {
        [
            "time": time,
            "instances": [
                "total": instances.total, "busy": instances.busy, "idle": instances.idle, "starting": instances.starting,
            ],
            "database": databaseConnections.map { connections -> Any in
                ["connections": connections, "max": databaseMaxConnections ?? NSNull()] as [String: Any]
            } ?? NSNull(),
            "pool": poolWaiting.map { waiting -> Any in
                [
                    "waiting": waiting, "serverActive": poolServerActive ?? NSNull(),
                    "serverIdle": poolServerIdle ?? NSNull(), "serverMax": poolServerMax ?? NSNull(),
                ] as [String: Any]
            } ?? NSNull(),
            "requestsPerSecond": requestsPerSecond,
            "errorsPerSecond": errorsPerSecond,
            "p50Ms": p50Ms ?? NSNull(),
            "p99Ms": p99Ms ?? NSNull(),
        ]
    }
}
