import ManagedPostgres
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Server connections come and go with idle timeout, lifetime and shutdown.
    @Suite struct Lifecycle {
        static func serverBackends(_ superuser: DatabaseCredentials, applicationName: String) async throws -> Int {
            Int(try await psql(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND application_name = '\(applicationName)'",
                credentials: superuser)) ?? -1
        }

        @Test func idleServerConnectionsAreClosed() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.serverIdleTimeout = .milliseconds(100) }) { pool, pooled async throws in
                try await PoolHarness.withConnection(pooled, applicationName: "idle-timeout") { connection async throws in
                    _ = try await PoolHarness.strings(connection, "SELECT 'x'::text")
                }
                #expect(await pool.stats().serverConnections.peak == 1)
                try await Cleanup.waitUntil {
                    let stats = await pool.stats()
                    return stats.serverConnections.idle == 0 && stats.serverConnections.active == 0
                }
                try await Cleanup.waitUntil {
                    try await Self.serverBackends(endpoints.superuser, applicationName: "idle-timeout") == 0
                }
                // A new one is opened on demand.
                #expect(try await psql("SELECT 'again'", credentials: pooled) == "again")
            }
        }

        @Test func oldServerConnectionsAreReplaced() async throws {
            try await PoolHarness.withPool({ $0.serverLifetime = .milliseconds(1); $0.maxServerConnections = 1 }) { pool, pooled async throws in
                for round in 0..<3 {
                    #expect(try await psql("SELECT \(round)", credentials: pooled) == "\(round)")
                }
                // Every reuse found the connection past its lifetime and replaced it.
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }

        @Test func idleConnectionsAreCheckedBeforeReuse() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.serverCheckDelay = .zero; $0.maxServerConnections = 1 }) { pool, pooled async throws in
                try await PoolHarness.withConnection(pooled, applicationName: "health-check") { connection async throws in
                    _ = try await PoolHarness.strings(connection, "SELECT 'warm'::text")
                    // Someone kills the idle server connection behind the pool's back.
                    _ = try await psql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'health-check'",
                        credentials: endpoints.superuser)
                    try await Cleanup.waitUntil {
                        try await Self.serverBackends(endpoints.superuser, applicationName: "health-check") == 0
                    }
                    // The next transaction gets a fresh, working connection instead of an error.
                    #expect(try await PoolHarness.strings(connection, "SELECT 'fresh'::text") == ["fresh"])
                }
                #expect(await pool.stats().errors.serverLost == 0)
            }
        }

        @Test func shutdownDisconnectsClientsWithAnError() async throws {
            let pool = PostgresPool(
                configuration: PoolHarness.configuration(for: try await TestDatabase.shared().application) {
                    $0.clientAuthentication = .trust
                },
                logger: PoolHarness.logger)
            let port = try await pool.start()
            let raw = try RawConnection(port: port)
            _ = try raw.login(user: "app", database: "app")
            raw.send(Wire.query("SELECT 1"))
            _ = try #require(raw.read(until: "Z"))
            await pool.shutdown()
            #expect(raw.readUntilClosed().firstSQLState == "57P01")
            #expect(throws: (any Error).self) { try RawConnection(port: port, timeoutSeconds: 1) }
        }
    }
}
