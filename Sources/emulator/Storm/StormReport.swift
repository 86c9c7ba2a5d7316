/// The result of one storm in one mode: what `--json` prints, plus what the
/// table shows beside it.
struct StormReport: Sendable, Encodable {
    /// The mode the storm ran in (`pooled`, `direct`), the column's title.
    let mode: String
    /// Requests answered or failed.
    let requests: Int
    let succeeded: Int
    let failed: Int
    /// Failed requests by cause (see ``StormFailure``).
    let failuresByCause: [String: Int]
    /// Latency percentiles of every request, failed ones included; nil without requests.
    let p50Ms: Double?
    let p95Ms: Double?
    let p99Ms: Double?
    /// The most instances of all functions at once.
    let peakInstances: Int
    /// Instances started during the storm.
    let coldStarts: Int
    /// The most database connections at once; nil without a database.
    let peakDatabaseConnections: Int?
    /// The database's `max_connections`; nil without a database.
    let databaseMaxConnections: Int?
    /// New database backends during the storm (each a fork, a login and maybe a TLS
    /// handshake): about the pool's size pooled, about one per request in direct mode
    /// with a connection per invocation; nil without a database or before PostgreSQL 14.
    let databaseConnectionsOpened: Int?
    /// From the first request to the last answer.
    let wallSeconds: Double
    /// Whether Ctrl-C cut the storm short.
    let interrupted: Bool
    /// Every mode the host reported during the storm (more than one: someone switched it).
    let modesSeen: [String]

    /// Sums up the samples and the observation of one storm.
    init(mode: String, samples: [LoadSample], observation: StatsPoller.Observation, wall: Duration, interrupted: Bool) {
        self.mode = mode
        requests = samples.count
        var causes: [String: Int] = [:]
        for case let cause? in samples.map(\.failure) { causes[cause, default: 0] += 1 }
        failuresByCause = causes
        failed = causes.values.reduce(0, +)
        succeeded = requests - failed
        let latencies = samples.map(\.milliseconds).sorted()
        p50Ms = Self.percentile(0.50, of: latencies)
        p95Ms = Self.percentile(0.95, of: latencies)
        p99Ms = Self.percentile(0.99, of: latencies)
        peakInstances = observation.peakInstances
        coldStarts = observation.coldStarts
        peakDatabaseConnections = observation.peakDatabaseConnections
        databaseMaxConnections = observation.databaseMaxConnections
        databaseConnectionsOpened = observation.connectionsOpened
        wallSeconds = wall.milliseconds / 1000
        self.interrupted = interrupted
        modesSeen = observation.modes
    }

    private enum CodingKeys: String, CodingKey {
        case requests, succeeded, failed, failuresByCause, p50Ms, p95Ms, p99Ms
        case peakInstances, coldStarts, peakDatabaseConnections, databaseMaxConnections, databaseConnectionsOpened
    }

    /// Exactly the documented keys; missing values are `null`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requests, forKey: .requests)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(failed, forKey: .failed)
        try container.encode(failuresByCause, forKey: .failuresByCause)
        try container.encode(p50Ms, forKey: .p50Ms)
        try container.encode(p95Ms, forKey: .p95Ms)
        try container.encode(p99Ms, forKey: .p99Ms)
        try container.encode(peakInstances, forKey: .peakInstances)
        try container.encode(coldStarts, forKey: .coldStarts)
        try container.encode(peakDatabaseConnections, forKey: .peakDatabaseConnections)
        try container.encode(databaseMaxConnections, forKey: .databaseMaxConnections)
        try container.encode(databaseConnectionsOpened, forKey: .databaseConnectionsOpened)
    }

    /// The nearest-rank percentile of sorted values, rounded to 0.01 ms.
    private static func percentile(_ fraction: Double, of sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
        return (sorted[min(sorted.count - 1, max(0, rank))] * 100).rounded() / 100
    }
}
