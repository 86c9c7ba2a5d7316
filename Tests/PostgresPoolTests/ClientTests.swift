import ChildProcess
import ManagedPostgres
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Real clients through the pool: postgres-nio and psql.
    @Suite struct Clients {
        @Test func postgresNIOSimpleAndExtendedQueries() async throws {
            try await PoolHarness.withPool { pool, pooled async throws in
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    // Extended protocol with binds (unnamed statements).
                    for value in 0..<20 {
                        let rows = try await PoolHarness.strings(connection, "SELECT (\(value)::int * 2)::text")
                        #expect(rows == [String(value * 2)])
                    }
                    let text = "it's \"quoted\" \\ ünïcode"
                    #expect(try await PoolHarness.strings(connection, "SELECT \(text)::text") == [text])
                    // Simple protocol.
                    let rows = try await connection.simpleQuery("SELECT current_user::text, current_database()::text").get()
                    let (user, database) = try #require(rows.first).decode((String, String).self)
                    #expect(user == "app" && database == "app")
                }
                let stats = await pool.stats()
                #expect(stats.queriesServed >= 22)
                #expect(stats.transactionsServed >= 22)
                #expect(stats.serverConnections.peak == 1)
                #expect(stats.errors.protocol == 0 && stats.errors.authFailed == 0 && stats.errors.serverLost == 0)
            }
        }

        @Test func manyPostgresNIOClientsShareFewServerConnections() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 3 }) { pool, pooled async throws in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<20 {
                        group.addTask {
                            try await PoolHarness.withConnection(pooled, applicationName: "client-\(client)") { connection async throws in
                                for round in 0..<10 {
                                    let rows = try await PoolHarness.strings(
                                        connection, "SELECT current_setting('application_name') || ':' || \(String(round))::text")
                                    #expect(rows == ["client-\(client):\(round)"])
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let stats = await pool.stats()
                #expect(stats.serverConnections.peak <= 3)
                #expect(stats.transactionsServed >= 200)
            }
        }

        @Test func psqlThroughThePool() async throws {
            try await PoolHarness.withPool { _, pooled async throws in
                // A temporary table that ends with its transaction (one query string is one
                // transaction) does not pin the client: no warning in the output.
                let output = try await psql(
                    "CREATE TEMP TABLE t (n int) ON COMMIT DROP; INSERT INTO t SELECT generate_series(1, 5); SELECT sum(n) FROM t",
                    credentials: pooled)
                #expect(output == "15")
                #expect(try await psql("SELECT current_user", credentials: pooled) == "app")
            }
        }

        @Test(arguments: [ClientAuthentication.md5, .trust])
        func otherClientAuthentications(_ authentication: ClientAuthentication) async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = authentication }) { _, pooled async throws in
                #expect(try await psql("SELECT 40 + 2", credentials: pooled) == "42")
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SELECT 'ok'::text") == ["ok"])
                }
            }
        }
    }
}
