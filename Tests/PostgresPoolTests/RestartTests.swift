import ManagedPostgres
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// The database goes away and comes back.
    @Suite struct Restart {
        @Test func databaseRestart() async throws {
            try await withTemporaryCluster { cluster async throws in
                let first = cluster.server()
                let endpoints = try await first.start()
                try await PoolHarness.withPool(database: endpoints.application, {
                    $0.clientAuthentication = .trust
                    $0.maxServerConnections = 2
                }) { pool, pooled async throws in
                    #expect(try await psql("SELECT 'before'", credentials: pooled) == "before")
                    // A client in flight when the database stops gets an error.
                    let inFlight = try RawConnection(port: pooled.port)
                    _ = try inFlight.login(user: "app", database: "app")
                    inFlight.send(Wire.query("SELECT pg_sleep(60)"))
                    try await Cleanup.waitUntil {
                        try await psql(
                            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
                            credentials: endpoints.superuser) == "1"
                    }
                    await first.stop()
                    let reply = inFlight.readUntilClosed()
                    #expect(reply.firstSQLState != nil, "in-flight client got \(reply)")
                    #expect(inFlight.closedByPeer)

                    // While it is down, clients get an error rather than a dropped socket.
                    let whileDown = try RawConnection(port: pooled.port)
                    _ = try whileDown.login(user: "app", database: "app")
                    whileDown.send(Wire.query("SELECT 1"))
                    let downReply = whileDown.readUntilClosed()
                    #expect(downReply.firstSQLState == "08006", "\(downReply)")

                    // Back up: later clients are served.
                    _ = try await cluster.server().start()
                    #expect(try await psql("SELECT 'after'", credentials: pooled) == "after")
                    let stats = await pool.stats()
                    #expect(stats.errors.serverLost >= 1)
                    #expect(stats.errors.serverConnectFailed >= 1)
                }
            }
        }
    }
}
