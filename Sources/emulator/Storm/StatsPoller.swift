import Synchronization

/// Reads `/_emulator/stats` every 100 ms while a storm runs and keeps what
/// the report needs: peaks of instances and database connections, cold
/// starts since the start, and the modes seen.
final class StatsPoller: Sendable {
    /// What the polls saw.
    struct Observation: Sendable {
        /// The most instances (all functions together) seen at once.
        var peakInstances = 0
        /// The most database connections seen at once; nil if never reported.
        var peakDatabaseConnections: Int?
        /// The database's `max_connections`; nil if never reported.
        var databaseMaxConnections: Int?
        /// Cold starts (all functions together) at the first and the latest poll.
        var coldStartsAtStart: Int
        var coldStartsLatest: Int
        /// Every mode the host reported, in order, without repeats in a row.
        var modes: [String] = []
        /// The database's count of backends it started, at the first and the latest poll.
        var connectionsOpenedAtStart: Int?
        var connectionsOpenedLatest: Int?

        /// Database backends started between the first and the latest poll; nil if not reported.
        var connectionsOpened: Int? {
            guard let start = connectionsOpenedAtStart, let latest = connectionsOpenedLatest else { return nil }
            return max(0, latest - start)
        }

        /// Cold starts between the first and the latest poll.
        var coldStarts: Int { max(0, coldStartsLatest - coldStartsAtStart) }
    }

    private let admin: AdminClient
    private let state: Mutex<Observation>

    /// Takes the first reading, just before the storm; throws when the stats do not answer.
    static func start(target: StormTarget) async throws -> StatsPoller {
        let admin = AdminClient(target: target)
        do {
            return StatsPoller(admin: admin, initial: try await admin.stats())
        } catch {
            await admin.close()
            throw error
        }
    }

    private init(admin: AdminClient, initial: EmulatorStats) {
        self.admin = admin
        var observation = Observation(coldStartsAtStart: initial.coldStarts, coldStartsLatest: initial.coldStarts)
        observation.connectionsOpenedAtStart = initial.databaseConnectionsOpened
        state = Mutex(observation)
        observe(initial)
    }

    /// Polls until the task is cancelled; a poll that fails is skipped.
    func run() async {
        while !Task.isCancelled {
            if let stats = try? await admin.stats() { observe(stats) }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Takes one last reading after the storm and returns everything observed.
    func finish() async -> Observation {
        if state.withLock({ $0.connectionsOpenedAtStart != nil }) {
            // A backend reports its session to the statistics within about a second.
            try? await Task.sleep(for: Self.sessionReportDelay)
        }
        if let stats = try? await admin.stats() { observe(stats) }
        await admin.close()
        return state.withLock { $0 }
    }

    static let sessionReportDelay: Duration = .milliseconds(1500)

    private func observe(_ stats: EmulatorStats) {
        state.withLock { observation in
            if let opened = stats.databaseConnectionsOpened { observation.connectionsOpenedLatest = opened }
            observation.peakInstances = max(observation.peakInstances, stats.instances)
            if let connections = stats.databaseConnections {
                observation.peakDatabaseConnections = max(observation.peakDatabaseConnections ?? 0, connections)
            }
            if let limit = stats.databaseMaxConnections { observation.databaseMaxConnections = limit }
            observation.coldStartsLatest = stats.coldStarts
            if let mode = stats.mode, observation.modes.last != mode { observation.modes.append(mode) }
        }
    }
}
