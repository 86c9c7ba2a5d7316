import Foundation
import Logging
import NIOPosix
import PostgresNIO
import PostgresPool
import ServiceLifecycle
import Synchronization

/// Watches the database's own view of its connections: a few times a second it
/// reads `pg_stat_activity` over a connection of its own (the superuser's for
/// the managed database, so it still gets in through a reserved slot when the
/// application's slots are full) and keeps the latest sample and the peak.
final class DatabaseSampler: Service, Sendable {
    private let target: PostgresURL
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var maxConnections: Int?
        var reservedConnections: Int?
        var latest: [Backend]?
        var peak = 0
        var failure: String?
        /// Sessions the database has counted (`pg_stat_database.sessions`, all databases)
        /// when the sampler first read it, and the readings of about the last second.
        var sessionsBaseline: Int?
        var sessionReadings: [(at: ContinuousClock.Instant, sessions: Int)] = []
        var supportsSessionCounts = false
    }

    /// One client backend of the database.
    struct Backend: Sendable {
        var pid: Int32
        /// `<function>/<instance id>` for an instance's connection (or whatever the client named itself).
        var applicationName: String
        var user: String?
        /// `active`, `idle`, `idle in transaction`, ...
        var state: String?
        /// How long the current (or last) query has been running.
        var queryAgeMs: Double?
    }

    init(target: PostgresURL, interval: Duration = .milliseconds(250), logger: Logger) {
        self.target = target
        self.interval = interval
        var logger = logger
        logger.logLevel = .error
        self.logger = logger
    }

    /// Samples until the service group shuts down; reconnects after failures.
    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.sampleOverOneConnection()
                } catch is CancellationError {
                    return
                } catch {
                    self.state.withLock { $0.failure = Self.describe(error) }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func sampleOverOneConnection() async throws {
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: try Self.tls(for: target))
        configuration.options.additionalStartupParameters = [("application_name", "emulator/sampler")]
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
        do {
            let version = try await connection.query("SELECT current_setting('server_version_num')::int", logger: logger)
            for try await number in version.decode(Int.self) {
                state.withLock { $0.supportsSessionCounts = number >= 140_000 }
            }
            let limits = try await connection.query(
                "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int",
                logger: logger)
            for try await (max, reserved) in limits.decode((Int, Int).self) {
                state.withLock {
                    $0.maxConnections = max
                    $0.reservedConnections = reserved
                }
            }
            while !Task.isCancelled {
                try await sample(connection)
                try await Task.sleep(for: interval)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// The database URL's sslmode in postgres-nio's terms.
    static func tls(for target: PostgresURL) throws -> PostgresConnection.Configuration.TLS {
        guard let context = try UpstreamTLSContext(settings: target.tls, host: target.host) else { return .disable }
        return target.tls.mode.requiresTLS ? .require(context.contextForOtherClients) : .prefer(context.contextForOtherClients)
    }

    private func sample(_ connection: PostgresConnection) async throws {
        let rows = try await connection.query("""
            SELECT pid, application_name, usename::text, state,
                   (extract(epoch FROM clock_timestamp() - query_start) * 1000)::float8
            FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
            ORDER BY backend_start
            """, logger: logger)
        var backends: [Backend] = []
        for try await (pid, name, user, state, age) in rows.decode((Int32, String, String?, String?, Double?).self) {
            backends.append(Backend(pid: pid, applicationName: name, user: user, state: state, queryAgeMs: age))
        }
        let sessions = try await sessionsCounted(connection)
        let now = ContinuousClock.now
        state.withLock { state in
            state.latest = backends
            state.peak = max(state.peak, backends.count)
            state.failure = nil
            if let sessions {
                if state.sessionsBaseline == nil { state.sessionsBaseline = sessions }
                state.sessionReadings.append((now, sessions))
                // Keep one reading older than the window, to measure the whole window.
                while state.sessionReadings.count > 2, now - state.sessionReadings[1].at >= Self.churnWindow {
                    state.sessionReadings.removeFirst()
                }
            }
        }
    }

    /// How far back `newConnectionsPerSecond` looks.
    static let churnWindow: Duration = .seconds(2)

    /// `pg_stat_database.sessions` summed over the databases (PostgreSQL 14 and later;
    /// nil before). A backend reports its session within about a second.
    private func sessionsCounted(_ connection: PostgresConnection) async throws -> Int? {
        guard state.withLock({ $0.supportsSessionCounts }) else { return nil }
        let rows = try await connection.query("SELECT sum(sessions)::int8 FROM pg_stat_database", logger: logger)
        for try await total in rows.decode(Int?.self) { return total }
        return nil
    }

    /// New database backends per second over the last ``churnWindow`` (`nil` until two readings).
    static func churn(_ readings: [(at: ContinuousClock.Instant, sessions: Int)]) -> Double? {
        guard let first = readings.first, let last = readings.last, last.at > first.at else { return nil }
        let seconds = Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds) / 1e18
        return Double(max(0, last.sessions - first.sessions)) / seconds
    }

    /// The `database` section of `/_emulator/stats`: `connections` (client backends
    /// other than the sampler's own), `maxConnections`, `peakConnections`, the backends.
    var json: [String: any Sendable] {
        state.withLock { state in
            var section: [String: any Sendable] = [
                "connections": state.latest.map { $0.count as any Sendable } ?? NSNull(),
                "maxConnections": state.maxConnections.map { $0 as any Sendable } ?? NSNull(),
                "reservedConnections": state.reservedConnections.map { $0 as any Sendable } ?? NSNull(),
                "peakConnections": state.peak,
                // Connection churn: backends the database started (each a fork, a login and,
                // over TLS, a handshake) since the emulator started, and per second lately.
                "connectionsOpened": state.sessionsBaseline.flatMap { base in
                    state.sessionReadings.last.map { max(0, $0.sessions - base) as any Sendable }
                } ?? NSNull(),
                "newConnectionsPerSecond": Self.churn(state.sessionReadings).map { ($0 * 10).rounded() / 10 as any Sendable } ?? NSNull(),
                "backends": (state.latest ?? []).map { backend -> [String: any Sendable] in
                    [
                        "pid": Int(backend.pid), "applicationName": backend.applicationName,
                        "user": backend.user ?? NSNull(), "state": backend.state ?? NSNull(),
                        "queryAgeMs": backend.queryAgeMs.map { ($0 * 10).rounded() / 10 } ?? NSNull(),
                    ]
                },
            ]
            if let failure = state.failure { section["error"] = failure }
            return section
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return "\(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "?"))"
        }
        return "cannot sample the database: \(String(reflecting: error))"
    }
}
