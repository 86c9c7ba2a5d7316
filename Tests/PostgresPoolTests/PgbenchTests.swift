import ManagedPostgres
import PostgresNIO
import PostgresPool
import Synchronization
import Testing
import TestSupport

extension PostgresPoolTests {
    /// pgbench with many clients over few server connections, on a cluster of its own so
    /// that `pg_stat_activity` shows only the pool's connections.
    @Suite struct Pgbench {
        static let cap = 10

        /// `-M prepared` is the drivers' way: named statements, prepared once per client,
        /// executed on whichever server connection the transaction gets.
        @Test func pgbenchAllProtocolsStayUnderTheCap() async throws {
            try await withTemporaryCluster { cluster async throws in
                let endpoints = try await cluster.server(maxConnections: 40).start()
                try await PoolHarness.withPool(database: endpoints.application, { $0.maxServerConnections = Self.cap }) { pool, pooled async throws in
                    // Initialisation through the pool exercises COPY FROM STDIN.
                    let initialized = try await PgbenchRunner.run(["-i", "-s", "1", "-q"], credentials: pooled)
                    #expect(initialized.status.isSuccess, "\(initialized.output)")

                    for (mode, clients) in [("simple", 50), ("extended", 50), ("prepared", 40)] {
                        let peak = PeakCounter()
                        let result = try await withThrowingTaskGroup(of: PgbenchRunner.Result?.self) { group in
                            group.addTask {
                                try await PoolHarness.withConnection(endpoints.superuser) { monitor async throws in
                                    while !Task.isCancelled {
                                        // Cancelling the sampler mid-query (once pgbench is done) is not a failure.
                                        if let rows = try? await PoolHarness.strings(
                                            monitor,
                                            "SELECT count(*)::text FROM pg_stat_activity WHERE usename = 'app' AND backend_type = 'client backend'") {
                                            peak.record(Int(rows.first ?? "0") ?? 0)
                                        }
                                        try? await Task.sleep(for: .milliseconds(20))
                                    }
                                }
                                return nil
                            }
                            group.addTask {
                                try await PgbenchRunner.run(
                                    ["-S", "-n", "-c", String(clients), "-j", "2", "-T", "4", "-M", mode], credentials: pooled)
                            }
                            var bench: PgbenchRunner.Result?
                            while let next = try await group.next() {
                                if let next {
                                    bench = next
                                    group.cancelAll()
                                }
                            }
                            return try #require(bench)
                        }
                        #expect(result.status.isSuccess, "pgbench -M \(mode): \(result.output)")
                        #expect(result.failedTransactions == 0, "\(result.output)")
                        #expect((result.transactionsProcessed ?? 0) > 0, "\(result.output)")
                        let observed = peak.peak
                        #expect(observed > 0 && observed <= Self.cap, "pg_stat_activity showed \(observed) connections")
                    }
                    let stats = await pool.stats()
                    #expect(stats.serverConnections.peak <= Self.cap)
                    #expect(stats.errors.acquireTimeout == 0 && stats.errors.protocol == 0 && stats.errors.serverLost == 0)
                    #expect(stats.clientConnections.waiting == 0)
                    // Each of the 40 clients prepared the statement; each server connection once.
                    #expect(stats.preparedStatements.clientParses >= 40)
                    #expect(stats.preparedStatements.serverParses <= Self.cap)
                    #expect(stats.pinnedClients == 0)
                }
            }
        }
    }
}

/// The highest value seen, shared between the sampling task and the test.
final class PeakCounter: Sendable {
    private let value = Mutex(0)
    func record(_ sample: Int) { value.withLock { $0 = max($0, sample) } }
    var peak: Int { value.withLock { $0 } }
}
