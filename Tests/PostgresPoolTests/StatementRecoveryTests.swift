import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Shared prepared statements recover from what breaks them, and errors name the
    /// client's statements, never the pool's (issue 21, cases 4 and 5).
    @Suite struct StatementRecovery {
        /// Case 5: a pipelined Parse that fails, then a good Parse of the same name.
        @Test func reparseAfterAFailedParseInThePipeline() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let client = try PreparedStatements.client(pooled.port)
                client.send(Wire.parse("s9", "SELEC broken") + Wire.sync + Wire.parse("s9", "SELECT 'nine'") + Wire.sync)
                let failed = try #require(client.read(until: "Z"))
                #expect(failed.firstSQLState == "42601", "\(failed)")
                #expect(try #require(client.read(until: "Z")).types == "1Z")
                // The name is the good statement's, in this round trip and the next ones.
                let executed = try PreparedStatements.exchange(client, Wire.bind("s9"), Wire.execute, Wire.sync)
                #expect(executed.firstColumns == ["nine"], "\(executed)")
                #expect(try PreparedStatements.exchange(client, Wire.bind("s9"), Wire.execute, Wire.sync).firstColumns == ["nine"])
                // The same, all in one pipeline.
                let pipelined = try PreparedStatements.exchange(
                    client, Wire.parse("s8", "SELEC broken"), Wire.sync, Wire.parse("s8", "SELECT 'eight'"), Wire.sync,
                    Wire.bind("s8"), Wire.execute, Wire.sync)
                #expect(pipelined.firstSQLState == "42601")
                #expect(try #require(client.read(until: "Z")).types == "1Z")
                #expect(try #require(client.read(until: "Z")).firstColumns == ["eight"])
                #expect(try PreparedStatements.exchange(client, Wire.bind("s8"), Wire.execute, Wire.sync).firstColumns == ["eight"])
                // A second Parse of a name in use is still refused, under the client's name.
                let duplicate = try PreparedStatements.exchange(client, Wire.parse("s8", "SELECT 'other'"), Wire.sync)
                #expect(duplicate.firstSQLState == "42P05")
                #expect(duplicate.firstErrorMessage == "prepared statement \"s8\" already exists")
            }
        }

        /// Case 5: errors PostgreSQL words with the statement's name name the client's.
        @Test func errorsNameTheClientsStatement() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let client = try PreparedStatements.client(pooled.port)
                #expect(try PreparedStatements.exchange(client, Wire.parse("takes_one", "SELECT $1::int"), Wire.sync).types == "1Z")
                let wrongCount = try PreparedStatements.exchange(client, Wire.bind("takes_one"), Wire.execute, Wire.sync)
                #expect(wrongCount.firstSQLState == "08P01")
                let message = try #require(wrongCount.firstErrorMessage)
                #expect(message.contains("\"takes_one\"") && !message.contains("_pool_"), "\(message)")
            }
        }

        /// Case 4: after DROP TYPE + CREATE TYPE, a shared statement using the type works
        /// again (after at most one error per client), on every server connection.
        @Test func recreatedTypeDoesNotBreakStatementsForever() async throws {
            let endpoints = try await TestDatabase.shared()
            let create = "DROP TYPE IF EXISTS pool_mood; CREATE TYPE pool_mood AS ENUM ('happy')"
            _ = try await psql(create, credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let sql = "SELECT $1::pool_mood::text"
                let first = try PreparedStatements.client(pooled.port, "first")
                let run = Wire.bind("mood", ["happy"]) + Wire.execute + Wire.sync
                #expect(try PreparedStatements.exchange(first, Wire.parse("mood", sql), run).firstColumns == ["happy"])
                _ = try await psql(create, credentials: endpoints.application)
                let broken = try PreparedStatements.exchange(first, run)
                if broken.firstSQLState != nil {
                    #expect(broken.firstErrorMessage?.hasPrefix("cache lookup failed for type") == true, "\(broken)")
                }
                #expect(try PreparedStatements.exchange(first, run).firstColumns == ["happy"])
                #expect(try PreparedStatements.exchange(first, run).firstColumns == ["happy"])
                // A new client preparing the same text gets a working statement at once.
                let second = try PreparedStatements.client(pooled.port, "second")
                #expect(try PreparedStatements.exchange(second, Wire.parse("m2", sql), Wire.bind("m2", ["happy"]), Wire.execute, Wire.sync).firstColumns == ["happy"])
            }
        }

        /// Case 4: a client's statement using a type created in a transaction it rolled
        /// back stays prepared on the server connection; the next client creates the type
        /// again and prepares the same text inside its transaction (psycopg's
        /// test_change_type, then test_change_type_savepoint). The DDL it ran makes the
        /// pool prepare the statement afresh instead of using the stale copy.
        @Test func statementsAfterDDLAreNotStaleCopies() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let sql = "SELECT $1::pool_rolled_back::text"
                let create = Wire.query("BEGIN; CREATE TYPE pool_rolled_back AS ENUM ('foo')")
                let run = { (name: String) in Wire.bind(name, ["foo"]) + Wire.execute + Wire.sync }
                let first = try PreparedStatements.client(pooled.port, "first")
                #expect(try PreparedStatements.exchange(first, create).firstSQLState == nil)
                #expect(try PreparedStatements.exchange(first, Wire.parse("s", sql), run("s")).firstColumns == ["foo"])
                #expect(try PreparedStatements.exchange(first, Wire.query("ROLLBACK")).firstSQLState == nil)
                let second = try PreparedStatements.client(pooled.port, "second")
                #expect(try PreparedStatements.exchange(second, create).firstSQLState == nil)
                let inTransaction = try PreparedStatements.exchange(second, Wire.parse("t", sql), run("t"))
                #expect(inTransaction.firstSQLState == nil, "\(inTransaction)")
                #expect(inTransaction.firstColumns == ["foo"])
                #expect(try PreparedStatements.exchange(second, Wire.query("ROLLBACK")).firstSQLState == nil)
                #expect(await pool.stats().preparedStatements.serverParses == 2)
            }
        }

        /// Case 4: a client's DEALLOCATE ALL (psycopg sends it after its own DDL) makes its
        /// statements prepared afresh on every server connection, not only its current one.
        @Test func deallocateAllRefreshesStatementsEverywhere() async throws {
            let endpoints = try await TestDatabase.shared()
            let create = "DROP TYPE IF EXISTS pool_color; CREATE TYPE pool_color AS ENUM ('red')"
            _ = try await psql(create, credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let sql = "SELECT $1::pool_color::text || ' ' || pg_backend_pid()"
                let client = try PreparedStatements.client(pooled.port, "client")
                let holder = try PreparedStatements.client(pooled.port, "holder")
                let run = Wire.bind("color", ["red"]) + Wire.execute + Wire.sync
                // Prepared on both server connections: the holder keeps the first busy once.
                let onFirst = try PreparedStatements.exchange(client, Wire.parse("color", sql), run).firstColumns
                try await Cleanup.waitUntil { await pool.stats().serverConnections.active == 0 }
                #expect(try PreparedStatements.exchange(holder, Wire.query("BEGIN; SELECT 1")).firstSQLState == nil)
                let onSecond = try PreparedStatements.exchange(client, run).firstColumns
                #expect(try PreparedStatements.exchange(holder, Wire.query("COMMIT")).firstSQLState == nil)
                #expect(onFirst != onSecond && onSecond.first?.hasPrefix("red ") == true, "\(onFirst) \(onSecond)")
                _ = try await psql(create, credentials: endpoints.application)
                // The client forgets its statements and prepares the same text again.
                #expect(try PreparedStatements.exchange(client, Wire.query("DEALLOCATE ALL")).firstSQLState == nil)
                let again = try PreparedStatements.exchange(client, Wire.parse("color", sql), run)
                #expect(again.firstSQLState == nil, "\(again)")
                try await Cleanup.waitUntil { await pool.stats().serverConnections.active == 0 }
                #expect(try PreparedStatements.exchange(holder, Wire.query("BEGIN; SELECT 1")).firstSQLState == nil)
                let elsewhere = try PreparedStatements.exchange(client, run)
                #expect(try PreparedStatements.exchange(holder, Wire.query("COMMIT")).firstSQLState == nil)
                #expect(elsewhere.firstSQLState == nil, "\(elsewhere)")
                #expect(Set([again.firstColumns, elsewhere.firstColumns]).count == 2, "both server connections ran it")
            }
        }
    }
}
