import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Named prepared statements in transaction mode, byte by byte: the client sees exactly
    /// what PostgreSQL would send, in order, whichever server connection runs its statements.
    @Suite struct PreparedStatements {
        static func client(_ port: Int, _ name: String = "raw") throws -> RawConnection {
            let raw = try RawConnection(port: port)
            _ = try raw.login(user: "app", database: "app", extra: [("application_name", name)])
            return raw
        }

        static func exchange(_ raw: RawConnection, _ messages: [UInt8]...) throws -> [RawMessage] {
            raw.send(messages.flatMap { $0 })
            return try #require(raw.read(until: "Z"))
        }

        @Test func statementsFollowTheClientToAnotherServerConnection() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try Self.client(pooled.port)
                let first = try Self.exchange(
                    client, Wire.parse("pid", "SELECT pg_backend_pid()::text"), Wire.bind("pid"), Wire.execute, Wire.sync)
                #expect(first.types == "12DCZ", "\(first)")
                // Another client holds that server connection in a transaction...
                let holder = try Self.client(pooled.port)
                #expect(try Self.exchange(holder, Wire.query("BEGIN")).firstSQLState == nil)
                // ...so the statement runs on a second one, which the pool prepares first (unseen).
                let second = try Self.exchange(client, Wire.bind("pid"), Wire.execute, Wire.sync)
                #expect(second.types == "2DCZ", "\(second)")
                #expect(second.firstColumns != first.firstColumns)
                // Close is answered by the pool; afterwards the name is unknown, as in PostgreSQL.
                #expect(try Self.exchange(client, Wire.close("S", "pid"), Wire.sync).types == "3Z")
                let closed = try Self.exchange(client, Wire.bind("pid"), Wire.execute, Wire.sync)
                #expect(closed.firstSQLState == "26000")
                #expect(closed.firstErrorMessage == "prepared statement \"pid\" does not exist")
                #expect(try Self.exchange(holder, Wire.query("COMMIT")).firstSQLState == nil)
                let stats = await pool.stats().preparedStatements
                #expect(stats.clientParses == 1 && stats.serverParses == 2)
            }
        }

        @Test func pipelinedRepliesKeepTheirOrder() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                // Another client leaves `SELECT 'two'` prepared on the only server connection.
                let other = try Self.client(pooled.port)
                #expect(try Self.exchange(other, Wire.parse("mine", "SELECT 'two'"), Wire.sync).types == "1Z")
                let client = try Self.client(pooled.port)
                // a1 goes to the server; a2 is answered by the pool, after a1's ParseComplete.
                let replies = try Self.exchange(
                    client, Wire.parse("a1", "SELECT 'one'"), Wire.parse("a2", "SELECT 'two'"), Wire.bind("a2"), Wire.execute,
                    Wire.close("S", "a1"), Wire.bind("a2"), Wire.execute, Wire.sync)
                #expect(replies.types == "112DC32DCZ", "\(replies)")
                #expect(replies.firstColumns == ["two", "two"])
            }
        }

        @Test func failedGroupsCreateNothing() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let client = try Self.client(pooled.port)
                // The syntax error skips the rest of the group: neither statement exists.
                let failed = try Self.exchange(client, Wire.parse("bad", "SELEC 1"), Wire.parse("good", "SELECT 1"), Wire.sync)
                #expect(failed.types == "EZ" && failed.firstSQLState == "42601", "\(failed)")
                for name in ["bad", "good"] {
                    let missing = try Self.exchange(client, Wire.bind(name), Wire.execute, Wire.sync)
                    #expect(missing.firstErrorMessage == "prepared statement \"\(name)\" does not exist")
                }
                // The names are free again.
                let again = try Self.exchange(client, Wire.parse("good", "SELECT 1"), Wire.bind("good"), Wire.execute, Wire.sync)
                #expect(again.types == "12DCZ", "\(again)")
                // A name in use is refused as PostgreSQL refuses it.
                let duplicate = try Self.exchange(client, Wire.parse("good", "SELECT 2"), Wire.sync)
                #expect(duplicate.firstSQLState == "42P05")
                #expect(duplicate.firstErrorMessage == "prepared statement \"good\" already exists")
                #expect(try Self.exchange(client, Wire.bind("good"), Wire.execute, Wire.sync).firstColumns == ["1"])
            }
        }

        @Test func clientLeavingAfterAnErrorMidGroupLeavesNothingBehind() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let leaving = try Self.client(pooled.port)
                leaving.send(Wire.parse("bad", "SELEC 1") + Wire.message("H", []))
                #expect(leaving.readMessage()?.sqlState == "42601")
                leaving.close()
                try await Cleanup.waitUntil { await pool.stats().clientConnections.active == 0 }
                let next = try Self.client(pooled.port)
                let replies = try Self.exchange(next, Wire.parse("x", "SELECT 1"), Wire.bind("x"), Wire.execute, Wire.sync)
                #expect(replies.types == "12DCZ", "\(replies)")
                let names = try Self.exchange(next, Wire.query("SELECT name FROM pg_prepared_statements"))
                #expect(names.firstColumns.allSatisfy { $0.hasPrefix("_pool_") } && names.firstColumns.count == 1, "\(names)")
            }
        }

        @Test func deallocateAndDiscard() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try Self.client(pooled.port)
                #expect(try Self.exchange(client, Wire.parse("s1", "SELECT 1"), Wire.parse("s2", "SELECT 2"), Wire.sync).types == "11Z")
                // DEALLOCATE of one statement is the pool's to answer; the server keeps its copy.
                let deallocated = try Self.exchange(client, Wire.query("DEALLOCATE s1"))
                #expect(deallocated.types == "CZ" && deallocated.tags == ["DEALLOCATE"], "\(deallocated)")
                #expect(try Self.exchange(client, Wire.bind("s1"), Wire.execute, Wire.sync).firstSQLState == "26000")
                let onServer = try Self.exchange(client, Wire.query("SELECT count(*) FROM pg_prepared_statements"))
                #expect(onServer.firstColumns == ["2"])
                // DEALLOCATE ALL and DISCARD ALL clear the client's names: they can be prepared again.
                for reset in ["DEALLOCATE ALL", "DISCARD ALL"] {
                    let replies = try Self.exchange(client, Wire.query(reset))
                    #expect(replies.tags == [reset], "\(replies)")
                    #expect(try Self.exchange(client, Wire.bind("s2"), Wire.execute, Wire.sync).firstSQLState == "26000")
                    let again = try Self.exchange(client, Wire.parse("s2", "SELECT 2"), Wire.bind("s2"), Wire.execute, Wire.sync)
                    #expect(again.types == "12DCZ" && again.firstColumns == ["2"], "\(again)")
                }
                // In a failed transaction DEALLOCATE fails, and the statement stays.
                _ = try Self.exchange(client, Wire.query("BEGIN"))
                _ = try Self.exchange(client, Wire.query("SELECT 1/0"))
                #expect(try Self.exchange(client, Wire.query("DEALLOCATE s2")).firstSQLState == "25P02")
                _ = try Self.exchange(client, Wire.query("ROLLBACK"))
                #expect(try Self.exchange(client, Wire.bind("s2"), Wire.execute, Wire.sync).firstColumns == ["2"])
                #expect(await pool.stats().pinnedClients == 0)
            }
        }

        @Test func cacheIsBoundedPerServerConnection() async throws {
            try await PoolHarness.withPool({
                $0.maxServerConnections = 1; $0.clientAuthentication = .trust; $0.maxPreparedStatements = 2
            }) { pool, pooled async throws in
                let client = try Self.client(pooled.port)
                for round in 0..<2 {
                    for number in 1...5 {
                        var messages = Wire.bind("s\(number)") + Wire.execute + Wire.sync
                        if round == 0 { messages = Wire.parse("s\(number)", "SELECT \(number)") + messages }
                        let replies = try Self.exchange(client, messages)
                        #expect(replies.firstColumns == ["\(number)"], "\(replies)")
                    }
                }
                let onServer = try Self.exchange(client, Wire.query("SELECT count(*) FROM pg_prepared_statements"))
                #expect(onServer.firstColumns == ["2"])
                let stats = await pool.stats().preparedStatements
                #expect(stats.evictions == 8 && stats.serverParses == 10 && stats.statements == 5)
            }
        }

        /// After DDL changes a prepared query's columns, PostgreSQL refuses to run the old
        /// plan. The pool prepares it afresh everywhere; a libpq-style execution (which asks
        /// for the columns) outside a transaction is even replayed at once.
        @Test func resultTypeChangeAfterDDL() async throws {
            let endpoints = try await TestDatabase.shared()
            _ = try await psql("DROP TABLE IF EXISTS ddl_change; CREATE TABLE ddl_change (a int); INSERT INTO ddl_change VALUES (1)", credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try Self.client(pooled.port)
                let libpqStyle = Wire.bind("all") + Wire.describe("P", "") + Wire.execute + Wire.sync
                #expect(try Self.exchange(client, Wire.parse("all", "SELECT * FROM ddl_change"), libpqStyle).types == "12TDCZ")
                _ = try await psql("ALTER TABLE ddl_change ADD COLUMN b int", credentials: endpoints.application)
                let replayed = try Self.exchange(client, libpqStyle)
                #expect(replayed.types == "2TDCZ", "\(replayed)")
                #expect(replayed.first { $0.type == UInt8(ascii: "T") }?.body.prefix(2) == [0, 2])
                #expect(await pool.stats().preparedStatements.retries == 1)

                // Without Describe the client would misread the rows: it gets the error, once.
                _ = try await psql("ALTER TABLE ddl_change ADD COLUMN c int", credentials: endpoints.application)
                let bare = Wire.bind("all") + Wire.execute + Wire.sync
                #expect(try Self.exchange(client, bare).firstSQLState == "0A000")
                #expect(try Self.exchange(client, bare).types == "2DCZ")
                // Inside a transaction too (nothing can be replayed there).
                _ = try await psql("ALTER TABLE ddl_change ADD COLUMN d int", credentials: endpoints.application)
                _ = try Self.exchange(client, Wire.query("BEGIN"))
                #expect(try Self.exchange(client, libpqStyle).firstSQLState == "0A000")
                _ = try Self.exchange(client, Wire.query("ROLLBACK"))
                #expect(try Self.exchange(client, libpqStyle).types == "2TDCZ")
                #expect(await pool.stats().preparedStatements.invalidations == 3)
            }
        }
    }
}
