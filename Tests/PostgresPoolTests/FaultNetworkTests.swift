import ManagedPostgres
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Network faults between the pool and the database, injected by a ``FaultProxy``.
    @Suite struct FaultNetwork {
        /// Runs `body` with a proxy in front of the shared test database and a pool in front of the proxy.
        static func withProxiedPool(
            _ customize: @escaping (inout PoolConfiguration) -> Void = { _ in },
            _ body: (PostgresPool, DatabaseCredentials, FaultProxy, ManagedPostgresEndpoints) async throws -> Void
        ) async throws {
            let endpoints = try await TestDatabase.shared()
            let proxy = try FaultProxy(upstreamPort: endpoints.application.port)
            defer { proxy.stop() }
            var upstream = endpoints.application
            upstream.host = "127.0.0.1"
            upstream.port = proxy.port
            try await PoolHarness.withPool(database: upstream, logger: FaultDatabaseRestart.quietLogger, {
                $0.clientAuthentication = .trust
                customize(&$0)
            }) { pool, pooled async throws in
                try await body(pool, pooled, proxy, endpoints)
            }
        }

        @Test func latencyAndFragmentedPacketsKeepEveryResult() async throws {
            let table = "fault_latency"
            let endpoints = try await TestDatabase.shared()
            _ = try await psql("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (n int)", credentials: endpoints.application)
            try await Self.withProxiedPool({ $0.maxServerConnections = 2 }) { pool, pooled, proxy, _ async throws in
                let started = ContinuousClock.now
                proxy.setLatency(milliseconds: 10)
                proxy.setFragmentSize(bytes: 3)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<4 {
                        group.addTask {
                            try await PoolHarness.withConnection(pooled) { connection async throws in
                                for n in 0..<5 {
                                    _ = try await connection.query("BEGIN", logger: PoolHarness.logger)
                                    let value = client * 100 + n
                                    _ = try await connection.query("INSERT INTO fault_latency VALUES (\(value))", logger: PoolHarness.logger)
                                    _ = try await connection.query("COMMIT", logger: PoolHarness.logger)
                                    let echoed = try await PoolHarness.strings(connection, "SELECT repeat('x', \(value)::int)")
                                    #expect(echoed == [String(repeating: "x", count: value)])
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await psql("SELECT count(*) FROM \(table)", credentials: endpoints.application) == "20")
                let stats = await pool.stats()
                #expect(stats.errors.serverLost == 0)
                #expect(stats.errors.protocol == 0)
                print("fault network latency: 20 transactions and 20 reads through 10 ms latency and 3-byte fragments,"
                      + " \(stats.errors.serverLost + stats.errors.protocol) failed, in \(ContinuousClock.now - started)")
            }
        }

        @Test func stalledDatabaseGivesWaitersAClearErrorAndRecovers() async throws {
            try await Self.withProxiedPool({
                $0.maxServerConnections = 1
                $0.acquireTimeout = .seconds(2)
            }) { pool, pooled, proxy, _ async throws in
                let holder = try RawConnection(port: pooled.port, timeoutSeconds: 30)
                _ = try holder.login(user: "app", database: "app")
                holder.send(Wire.query("SELECT 'before'"))
                #expect(try #require(holder.read(until: "Z")).firstColumns == ["before"])

                proxy.stall()
                let stalled = ContinuousClock.now
                holder.send(Wire.query("BEGIN; SELECT 'during'"))
                try await Cleanup.waitUntil { await pool.stats().serverConnections.active == 1 }
                // The only server connection is stuck behind the stall: the next client is told so.
                let waiter = try RawConnection(port: pooled.port, timeoutSeconds: 30)
                _ = try waiter.login(user: "app", database: "app")
                waiter.send(Wire.query("SELECT 'waiting'"))
                let waited = waiter.readUntilClosed()
                #expect(waited.firstSQLState == "08P01", "\(waited)")
                #expect(waiter.closedByPeer)
                let waiterFailedAfter = ContinuousClock.now - stalled

                // Once the network moves again, the stalled query's answer arrives whole.
                proxy.resume()
                let resumed = ContinuousClock.now
                let during = try #require(holder.read(until: "Z"))
                let answeredAfterResume = ContinuousClock.now - resumed
                #expect(during.firstColumns == ["during"])
                holder.send(Wire.query("COMMIT"))
                #expect(try #require(holder.read(until: "Z")).tags == ["COMMIT"])
                holder.close()
                #expect(try await psql("SELECT 'after'", credentials: pooled) == "after")
                #expect(await pool.stats().errors.acquireTimeout == 1)
                print("fault network stall: the waiter got 08P01 \(waiterFailedAfter) into the stall (acquireTimeout 2 s),"
                      + " the stalled query answered whole \(answeredAfterResume) after the network resumed, 0 lost")
            }
        }

        @Test func resetConnectionsFailInFlightTransactionsAndThePoolReconnects() async throws {
            let table = "fault_reset"
            let endpoints = try await TestDatabase.shared()
            _ = try await psql("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (n int)", credentials: endpoints.application)
            try await Self.withProxiedPool({ $0.maxServerConnections = 2 }) { pool, pooled, proxy, _ async throws in
                let inTransaction = try RawConnection(port: pooled.port, timeoutSeconds: 30)
                _ = try inTransaction.login(user: "app", database: "app")
                inTransaction.send(Wire.query("BEGIN; INSERT INTO \(table) VALUES (1)"))
                #expect(try #require(inTransaction.read(until: "Z")).last?.body == [UInt8(ascii: "T")])
                let inQuery = try RawConnection(port: pooled.port, timeoutSeconds: 30)
                _ = try inQuery.login(user: "app", database: "app")
                inQuery.send(Wire.query("SELECT pg_sleep(5)"))
                try await Cleanup.waitUntil { await pool.stats().serverConnections.active == 2 }
                let acceptedBefore = proxy.acceptedConnections

                proxy.resetConnections()
                let reset = ContinuousClock.now
                let queryReply = inQuery.readUntilClosed()
                #expect(queryReply.firstSQLState == "08006", "\(queryReply)")
                #expect(inQuery.closedByPeer)
                inTransaction.send(Wire.query("COMMIT"))
                let commitReply = inTransaction.readUntilClosed()
                #expect(commitReply.firstSQLState == "08006", "\(commitReply)")
                #expect(!commitReply.tags.contains("COMMIT"))

                // The pool connects again; the reset transaction's row never became visible.
                #expect(try await psql("SELECT count(*) FROM \(table)", credentials: pooled) == "0")
                let recovered = ContinuousClock.now - reset
                #expect(proxy.acceptedConnections > acceptedBefore)
                try await Cleanup.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; INSERT INTO \(table)%'",
                        credentials: endpoints.superuser) == "0"
                }
                #expect(try await psql("SELECT count(*) FROM \(table)", credentials: endpoints.application) == "0")
                #expect(await pool.stats().errors.serverLost >= 2)
                print("fault network reset: 2 in flight, 2 failed with 08006, 0 half-committed rows,"
                      + " next query through the pool answered \(recovered) after the reset")
            }
        }
    }
}
