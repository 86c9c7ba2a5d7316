import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// What outlives a transaction pins the client to its server connection: it keeps
    /// working, and the client, the log and the stats say so.
    @Suite struct Pinning {

        struct Case: Sendable, CustomStringConvertible {
            var statement: String
            var reason: PinReason
            /// Still there in the client's next transaction.
            var check: String
            var expected: String
            var description: String { reason.rawValue }
        }

        static let cases: [Case] = [
            Case(statement: "SET work_mem = '7MB'", reason: .setting, check: "SHOW work_mem", expected: "7MB"),
            Case(statement: "LISTEN pinned_channel", reason: .listen, check: "SELECT count(*) FROM pg_listening_channels()", expected: "1"),
            Case(statement: "SELECT pg_advisory_lock(4242)", reason: .advisoryLock,
                 check: "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()", expected: "1"),
            Case(statement: "CREATE TEMP TABLE pinned_temp (n int)", reason: .temporaryTable, check: "SELECT count(*) FROM pinned_temp", expected: "0"),
            Case(statement: "PREPARE pinned_plan AS SELECT 'planned'", reason: .prepare, check: "EXECUTE pinned_plan", expected: "planned"),
            Case(statement: "BEGIN; DECLARE pinned_cursor CURSOR WITH HOLD FOR SELECT 'held'; COMMIT", reason: .holdCursor,
                 check: "FETCH pinned_cursor", expected: "held"),
        ]

        @Test(arguments: cases)
        func sessionStatePinsWithAWarning(_ pinCase: Case) async throws {
            let log = CapturedLog()
            try await PoolHarness.withPool(logger: log.logger, { $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port, "orders/instance-7")
                let pid = try PreparedStatements.exchange(client, Wire.query("SELECT pg_backend_pid()::text")).firstColumns
                let replies = try PreparedStatements.exchange(client, Wire.query(pinCase.statement))
                #expect(replies.firstSQLState == nil, "\(replies)")
                let notice = try #require(replies.notices.first, "no NOTICE in \(replies)")
                #expect(notice["C"] == "01000" && notice["S"] == "WARNING")
                #expect(notice["M"]?.contains("pinned this client") == true && notice["H"] != nil, "\(notice)")
                var stats = await pool.stats()
                #expect(stats.pinnedClients == 1 && stats.pinEvents[pinCase.reason] == 1)
                #expect(log.messages.contains { $0.contains("orders/instance-7") && $0.contains("pinned") }, "\(log.messages)")

                // Another client in a transaction cannot take the pinned connection...
                let other = try PreparedStatements.client(pooled.port, "other")
                _ = try PreparedStatements.exchange(other, Wire.query("BEGIN"))
                let otherPid = try PreparedStatements.exchange(other, Wire.query("SELECT pg_backend_pid()::text")).firstColumns
                #expect(otherPid != pid)
                // ...and the pinned client keeps its connection and its state, warned only once.
                let next = try PreparedStatements.exchange(client, Wire.query("SELECT pg_backend_pid()::text"))
                #expect(next.firstColumns == pid && next.notices.isEmpty)
                #expect(try PreparedStatements.exchange(client, Wire.query(pinCase.check)).firstColumns == [pinCase.expected])
                _ = try PreparedStatements.exchange(client, Wire.query(pinCase.statement.hasPrefix("PREPARE") ? "SELECT 1" : pinCase.statement))
                _ = try PreparedStatements.exchange(other, Wire.query("COMMIT"))
                stats = await pool.stats()
                #expect(stats.pinEvents[pinCase.reason] == 1 && stats.pinEvents.values.reduce(0, +) == 1)

                // Once the client leaves, its state is cleared and the connection shared again.
                client.close()
                try await Cleanup.waitUntil { await pool.stats().pinnedClients == 0 }
                let after = try PreparedStatements.client(pooled.port, "after")
                for _ in 0..<2 {
                    _ = try PreparedStatements.exchange(other, Wire.query("BEGIN"))
                    let check = try PreparedStatements.exchange(after, Wire.query(pinCase.check))
                    #expect(check.firstColumns != [pinCase.expected], "\(check)")
                    _ = try PreparedStatements.exchange(other, Wire.query("COMMIT"))
                }
            }
        }

        @Test func transactionScopedAlternativesDoNotPin() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port)
                for statement in [
                    "BEGIN; SET LOCAL work_mem = '7MB'; SELECT pg_advisory_xact_lock(1); COMMIT",
                    "BEGIN; CREATE TEMP TABLE gone (n int) ON COMMIT DROP; COMMIT",
                    "SET search_path TO public", "/* LISTEN */ SELECT 'pg_advisory_xact_lock'", "-- PREPARE x\nSELECT 1",
                    "SELECT 'a; LISTEN b', $$; SET work_mem = '1MB'$$", "BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; COMMIT",
                ] {
                    let replies = try PreparedStatements.exchange(client, Wire.query(statement))
                    #expect(replies.firstSQLState == nil && replies.notices.isEmpty, "\(statement): \(replies)")
                }
                let stats = await pool.stats()
                #expect(stats.pinnedClients == 0 && stats.pinEvents.values.reduce(0, +) == 0)
            }
        }

        @Test func clearingTheStateUnpins() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port)
                for (pin, unpin) in [
                    ("LISTEN a", "UNLISTEN *"), ("SELECT pg_advisory_lock(7)", "SELECT pg_advisory_unlock_all()"),
                    ("CREATE TEMP TABLE t (n int)", "DISCARD TEMP"), ("SET work_mem = '7MB'", "DISCARD ALL"),
                ] {
                    #expect(try PreparedStatements.exchange(client, Wire.query(pin)).notices.count == 1)
                    #expect(await pool.stats().pinnedClients == 1)
                    _ = try PreparedStatements.exchange(client, Wire.query(unpin))
                    #expect(await pool.stats().pinnedClients == 0, "\(unpin)")
                }
                // Unpinned, the only server connection serves someone else again.
                let other = try PreparedStatements.client(pooled.port)
                #expect(try PreparedStatements.exchange(other, Wire.query("SELECT current_setting('work_mem')")).firstColumns == ["4MB"])
            }
        }
    }
}
