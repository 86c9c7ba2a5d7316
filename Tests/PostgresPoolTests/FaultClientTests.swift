import ManagedPostgres
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Clients that stop reading and vanish in the middle of a large result.
    @Suite struct FaultClients {
        @Test func clientVanishingMidResultFreesItsServerConnection() async throws {
            let endpoints = try await TestDatabase.shared()
            let marker = "/* fault mid result */"
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let reader = try RawConnection(port: pooled.port)
                _ = try reader.login(user: "app", database: "app")
                // 200 MB of rows; the client reads the first message and then nothing.
                reader.send(Wire.query("SELECT repeat('x', 1000) FROM generate_series(1, 200000) \(marker)"))
                #expect(reader.readMessage()?.type == UInt8(ascii: "T"))
                // The pool passes the client's back-pressure on: the backend waits to write.
                try await Cleanup.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%\(marker)' AND wait_event = 'ClientWrite'",
                        credentials: endpoints.superuser) == "1"
                }
                reader.close()
                let vanished = ContinuousClock.now
                // The only server connection is free again (or replaced) for the next client.
                #expect(try await psql("SELECT 'after'", credentials: pooled) == "after")
                let served = ContinuousClock.now - vanished
                try await Cleanup.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%\(marker)' AND state = 'active'",
                        credentials: endpoints.superuser) == "0"
                }
                try await Cleanup.waitUntil { await pool.stats().clientConnections.active == 0 }
                #expect(await pool.stats().serverConnections.peak == 1)
                print("fault client vanishing mid-result (200 MB unread): the next client served \(served) after it vanished,"
                      + " on the pool's only server connection")
            }
        }
    }
}
