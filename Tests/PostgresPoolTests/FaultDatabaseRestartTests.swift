import Logging
import ManagedPostgres
import NIOCore
import PostgresNIO
import PostgresPool
import Synchronization
import Testing
import TestSupport

/// What the load's clients saw: the transactions whose COMMIT was acknowledged and every failure.
final class TransactionLedger: Sendable {
    private struct State {
        var acknowledged: Set<Int> = []
        var failures: [String] = []
        var unclearFailures: [String] = []
        var closedBeforeQuery = 0
        var unanswered: [String] = []
    }

    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)

    var acknowledged: Set<Int> { state.withLock { $0.acknowledged } }
    var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }
    var failureCount: Int { state.withLock { $0.failures.count } }
    /// Failures that were neither an error message from the pool or database nor a closed connection.
    var unclearFailures: [String] { state.withLock { $0.unclearFailures } }
    /// The SQLSTATEs the clients were told, one per failure that carried one.
    var failureStates: [String] { state.withLock { $0.failures } }
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
    /// Queries not sent because the pool had closed the connection already (see ``ClosedBeforeQuery``).
    var closedBeforeQueryCount: Int { state.withLock { $0.closedBeforeQuery } }

    func stop() { stopped.store(true, ordering: .relaxed) }
    /// Queries the pool never answered (a bug, not a clear failure).
    var unanswered: [String] { state.withLock { $0.unanswered } }
    func unanswered(_ sql: String, after bound: Duration) {
        state.withLock { $0.unanswered.append("no answer within \(bound) to \(sql)") }
    }
    func acknowledge(_ transaction: Int) { _ = state.withLock { $0.acknowledged.insert(transaction) } }

    /// Records a failed transaction: a clear failure is an ErrorResponse with an SQLSTATE of
    /// connection exception (08) or operator intervention (57), or the connection closing.
    func fail(_ error: any Error) {
        state.withLock { state in
            if error is ClosedBeforeQuery {
                state.failures.append("closed")
                state.closedBeforeQuery += 1
                return
            }
            guard let error = error as? PSQLError else {
                state.unclearFailures.append(String(reflecting: error))
                return
            }
            if let sqlState = error.serverInfo?[.sqlState] {
                state.failures.append(sqlState)
                if !(sqlState.hasPrefix("08") || sqlState.hasPrefix("57")) {
                    state.unclearFailures.append(String(reflecting: error))
                }
            } else if [.serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError].contains(error.code) {
                state.failures.append("closed")
            } else {
                state.unclearFailures.append(String(reflecting: error))
            }
        }
    }
}

/// The pool had closed the connection before the next query of the transaction was sent.
struct ClosedBeforeQuery: Error {}

extension PostgresConnection {
    /// Runs `query`, or fails with ``ClosedBeforeQuery`` when the connection is closed already;
    /// a query not answered within `bound` is recorded in `ledger` and fails.
    ///
    /// postgres-nio (1.33.2) writes a query into the connection's channel without looking
    /// at it: once the channel is closed and its handlers are gone, the write fails unseen,
    /// the query's promise is never completed and the caller waits forever. The pool closes
    /// a client whose server connection was lost in the middle of its transaction (relaying
    /// the database's FATAL error, which postgres-nio receives between two queries and
    /// answers by closing), so a client writing through a restart meets exactly that gap.
    /// Looking at the channel and writing to it in one turn of its event loop closes it.
    ///
    /// A query the pool never answers would hang the test instead of failing it: after
    /// `bound` the connection is closed, which fails the query.
    func queryUnlessClosed(_ query: PostgresQuery, ledger: TransactionLedger, bound: Duration = .seconds(30)) async throws {
        try await eventLoop.flatSubmit { [self] () -> EventLoopFuture<Void> in
            guard !isClosed else { return eventLoop.makeFailedFuture(ClosedBeforeQuery()) }
            let answered = self.query(query, logger: PoolHarness.logger).map { _ in }
            let giveUp = eventLoop.scheduleTask(in: .seconds(bound.components.seconds)) {
                ledger.unanswered(query.sql, after: bound)
                _ = self.close() as EventLoopFuture<Void>
            }
            answered.whenComplete { _ in giveUp.cancel() }
            return answered
        }.get()
    }
}

extension PostgresPoolTests {
    /// The database is stopped and started again while clients write through the pool.
    @Suite struct FaultDatabaseRestart {
        static let workers = 8

        /// Errors only: the pool's warnings about each failed reconnection are expected here.
        static let quietLogger: Logger = {
            var logger = Logger(label: "pool-fault-test")
            logger.logLevel = .error
            return logger
        }()

        /// One client: transactions of two inserts each (`BEGIN`, `INSERT`, `INSERT`, `COMMIT`,
        /// each its own round trip), numbered `worker`, `worker + workers`, ...; reconnects after a failure.
        static func write(worker: Int, through pooled: DatabaseCredentials, ledger: TransactionLedger) async {
            var transaction = worker
            while !ledger.isStopped {
                do {
                    try await PoolHarness.withConnection(pooled) { connection async throws in
                        while !ledger.isStopped {
                            try await connection.queryUnlessClosed("BEGIN", ledger: ledger)
                            try await connection.queryUnlessClosed("INSERT INTO ledger VALUES (\(transaction), 1)", ledger: ledger)
                            try await connection.queryUnlessClosed("INSERT INTO ledger VALUES (\(transaction), 2)", ledger: ledger)
                            try await connection.queryUnlessClosed("COMMIT", ledger: ledger)
                            ledger.acknowledge(transaction)
                            transaction += workers
                        }
                    }
                } catch {
                    ledger.fail(error)
                    transaction += workers
                    // A client's back-off before reconnecting, so eight of them do not spin while the database is down.
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
        }

        static func waitUntil(_ condition: () async throws -> Bool) async throws {
            for _ in 0..<3000 {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("condition not reached within 60 s")
        }

        @Test func committedTransactionsSurviveARestartUnderLoad() async throws {
            try await withTemporaryCluster { cluster async throws in
                let first = cluster.server()
                let endpoints = try await first.start()
                _ = try await psql("CREATE TABLE ledger (transaction int, part int)", credentials: endpoints.application)
                try await PoolHarness.withPool(database: endpoints.application, logger: Self.quietLogger, {
                    $0.clientAuthentication = .trust
                    $0.maxServerConnections = 4
                    $0.acquireTimeout = .seconds(20)
                }) { pool, pooled async throws in
                    let ledger = TransactionLedger()
                    let clock = ContinuousClock()
                    var recovery = Duration.zero
                    var duringFault = 0
                    await withTaskGroup(of: Void.self) { group in
                        for worker in 0..<Self.workers {
                            group.addTask { await Self.write(worker: worker, through: pooled, ledger: ledger) }
                        }
                        do {
                            try await Self.waitUntil { ledger.acknowledgedCount >= 100 }
                            let beforeStop = ledger.failureCount
                            await first.stop()
                            try await Self.waitUntil { ledger.failureCount >= beforeStop + Self.workers }
                            let restarting = clock.now
                            duringFault = ledger.failureCount - beforeStop
                            _ = try await cluster.server().start()
                            let afterRestart = ledger.acknowledgedCount
                            try await Self.waitUntil { ledger.acknowledgedCount > afterRestart }
                            recovery = clock.now - restarting
                            try await Self.waitUntil { ledger.acknowledgedCount >= afterRestart + 100 }
                        } catch {
                            Issue.record(error)
                        }
                        ledger.stop()
                    }
                    #expect(ledger.unclearFailures.isEmpty, "\(ledger.unclearFailures.prefix(5))")
                    #expect(ledger.unanswered.isEmpty, "every query is answered: \(ledger.unanswered)")
                    #expect(ledger.failureStates.contains { $0 != "closed" }, "some failure names its cause: \(ledger.failureStates.prefix(10))")

                    // Every acknowledged transaction is in the table, whole; no transaction is in it by half.
                    let rows = try await psql(
                        "SELECT transaction || ':' || count(*) FROM ledger GROUP BY transaction", credentials: endpoints.superuser)
                    var parts: [Int: Int] = [:]
                    for line in rows.split(separator: "\n") {
                        let fields = line.split(separator: ":").compactMap { Int($0) }
                        parts[fields[0]] = fields[1]
                    }
                    let acknowledged = ledger.acknowledged
                    let lost = acknowledged.filter { parts[$0] != 2 }
                    #expect(lost.isEmpty, "acknowledged but not in the table: \(lost.sorted().prefix(10))")
                    #expect(parts.values.allSatisfy { $0 == 2 }, "a transaction committed by half")
                    print(
                        "fault database restart: \(acknowledged.count) acknowledged, \(ledger.failureCount) failed"
                            + " (\(duringFault) while stopped, \(ledger.closedBeforeQueryCount) on a connection the pool had closed"
                            + " before the next query), \(lost.count) lost, first commit \(recovery) after the restart began")

                    #expect(await pool.stats().errors.serverConnectFailed >= 1)
                    try await Cleanup.waitUntil {
                        let stats = await pool.stats()
                        return stats.clientConnections.active == 0 && stats.serverConnections.active == 0
                    }
                }
            }
        }
    }
}
