/// A point-in-time view of the pool, for the admin surface.
public struct PoolStats: Sendable, Equatable {
    /// Client connections.
    public struct Clients: Sendable, Equatable {
        /// Open client connections (logging in, idle, waiting or linked).
        public var active: Int
        /// Clients waiting for a server connection right now.
        public var waiting: Int
    }

    /// Connections to the database.
    public struct Servers: Sendable, Equatable {
        /// Linked to a client, or being reset.
        public var active: Int
        /// Ready in the pool.
        public var idle: Int
        /// Being opened (counted against the cap).
        public var connecting: Int
        /// The cap, `maxServerConnections`.
        public var max: Int
        /// The most server connections (connecting ones included) held at once.
        public var peak: Int
    }

    /// How long clients waited for a server connection (every acquire, immediate ones as 0),
    /// over the most recent acquires.
    public struct WaitTime: Sendable, Equatable {
        public var p50Ms: Double
        public var p95Ms: Double
        public var p99Ms: Double
        public var samples: Int
    }

    /// Failures by kind.
    public struct Errors: Sendable, Equatable {
        /// Clients that waited `acquireTimeout` without getting a server connection (08P01).
        public var acquireTimeout: Int
        /// Clients turned away by `maxClientConnections` (53300).
        public var clientLimit: Int
        /// Wrong password, unknown user or database.
        public var authFailed: Int
        /// Bytes that broke the protocol.
        public var `protocol`: Int
        /// Clients that did not finish logging in within `loginTimeout`.
        public var loginTimeout: Int
        /// Server connections lost while in use.
        public var serverLost: Int
        /// Failed attempts to open a server connection.
        public var serverConnectFailed: Int
    }

    public var clientConnections: Clients
    public var serverConnections: Servers
    public var waitTime: WaitTime
    /// Transactions completed through the pool (each ReadyForQuery `I` relayed to a client).
    public var transactionsServed: Int
    /// Queries relayed (simple Query messages plus extended-protocol Executes).
    public var queriesServed: Int
    public var errors: Errors

    /// Named prepared statements in transaction mode (see docs/pool.md).
    public struct PreparedStatements: Sendable, Equatable {
        /// Distinct statements (query text and parameter types) clients hold now.
        public var statements: Int
        /// Named Parse messages from clients.
        public var clientParses: Int
        /// Parse messages the pool sent to server connections (the rest were answered from
        /// a server connection that already had the statement).
        public var serverParses: Int
        /// Statements closed on a server connection to stay within `maxPreparedStatements`.
        public var evictions: Int
        /// Statements re-prepared after `cached plan must not change result type`.
        public var invalidations: Int
        /// Executions replayed transparently after that error.
        public var retries: Int
    }

    public var preparedStatements: PreparedStatements
    /// Clients pinned to a server connection right now.
    public var pinnedClients: Int
    /// How often clients were pinned, by reason (every reason listed, 0 included).
    public var pinEvents: [PinReason: Int]
    /// Settings the pool applied to a server connection to give it a client's own
    /// (startup parameters and tracked SETs).
    public var settingsApplied: Int

    /// Convenience for `serverConnections.peak`.
    public var peakServerConnections: Int { serverConnections.peak }
}

/// The pool's running counters (event-loop confined).
struct StatsRecorder {
    var transactions = 0
    var queries = 0
    var pinnedClients = 0
    var pinEvents: [PinReason: Int] = [:]
    var settingsApplied = 0
    var errors = PoolStats.Errors(
        acquireTimeout: 0, clientLimit: 0, authFailed: 0, protocol: 0, loginTimeout: 0, serverLost: 0,
        serverConnectFailed: 0
    )
    /// Recent wait times in microseconds, a ring of fixed size.
    private var waits: [Int64] = []
    private var nextWait = 0
    private static let waitSamples = 8192

    mutating func recordWait(nanoseconds: Int64) {
        let micros = nanoseconds / 1000
        if waits.count < Self.waitSamples {
            waits.append(micros)
        } else {
            waits[nextWait] = micros
            nextWait = (nextWait + 1) % Self.waitSamples
        }
    }

    func waitTime() -> PoolStats.WaitTime {
        guard !waits.isEmpty else { return .init(p50Ms: 0, p95Ms: 0, p99Ms: 0, samples: 0) }
        let sorted = waits.sorted()
        func percentile(_ p: Double) -> Double {
            let index = min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[max(index, 0)]) / 1000
        }
        return .init(p50Ms: percentile(0.50), p95Ms: percentile(0.95), p99Ms: percentile(0.99), samples: sorted.count)
    }
}
