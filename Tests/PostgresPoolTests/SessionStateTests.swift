import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Settings a client changes follow it to whichever server connection serves its next
    /// transaction, and reach no other client.
    @Suite struct SessionState {

        /// Runs `sql` for `client` on a server connection other than its last one: `holder`
        /// keeps that one busy in a transaction meanwhile. Returns the first column of each row.
        static func elsewhere(
            _ client: RawConnection, holder: RawConnection, pool: PostgresPool, _ sql: String
        ) async throws -> (pid: String, rows: [String]) {
            let before = try PreparedStatements.exchange(client, Wire.query("SELECT pg_backend_pid()::text")).firstColumns
            // The pool may still be reading settings back on the client's connection.
            try await Cleanup.waitUntil { await pool.stats().serverConnections.active == 0 }
            #expect(try PreparedStatements.exchange(holder, Wire.query("BEGIN; SELECT 1")).firstSQLState == nil)
            let pid = try PreparedStatements.exchange(client, Wire.query("SELECT pg_backend_pid()::text")).firstColumns
            #expect(pid != before, "the client did not move to another server connection")
            let rows = try PreparedStatements.exchange(client, Wire.query(sql))
            #expect(rows.firstSQLState == nil, "\(rows)")
            #expect(try PreparedStatements.exchange(holder, Wire.query("COMMIT")).firstSQLState == nil)
            return (pid.first ?? "", rows.firstColumns)
        }

        @Test func trackedSettingsFollowTheClient() async throws {
            let endpoints = try await TestDatabase.shared()
            _ = try await psql(
                "CREATE SCHEMA IF NOT EXISTS elsewhere; DROP TABLE IF EXISTS elsewhere.where_am_i; CREATE TABLE elsewhere.where_am_i AS SELECT 'elsewhere'::text AS place",
                credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port, "mover")
                let holder = try PreparedStatements.client(pooled.port, "holder")
                let other = try PreparedStatements.client(pooled.port, "other")
                let setReplies = try PreparedStatements.exchange(client, Wire.query("SET search_path TO elsewhere, public; SET statement_timeout = '4s'"))
                #expect(setReplies.notices.isEmpty, "tracked settings do not pin: \(setReplies)")
                let show = "SELECT current_setting('search_path') || ' | ' || current_setting('statement_timeout') || ' | ' || place FROM where_am_i"
                #expect(try await Self.elsewhere(client, holder: holder, pool: pool, show).rows == ["elsewhere, public | 4s | elsewhere"])
                #expect(try await Self.elsewhere(client, holder: holder, pool: pool, show).rows == ["elsewhere, public | 4s | elsewhere"])
                // Nobody else sees them, on either server connection.
                for _ in 0..<2 {
                    let theirs = try await Self.elsewhere(other, holder: holder, pool: pool, "SELECT current_setting('search_path') || ' | ' || current_setting('statement_timeout')")
                    #expect(theirs.rows == ["\"$user\", public | 0"])
                }
                // SET LOCAL, and a SET rolled back, do not stick.
                _ = try PreparedStatements.exchange(client, Wire.query("BEGIN; SET LOCAL statement_timeout = '1s'; COMMIT"))
                _ = try PreparedStatements.exchange(client, Wire.query("BEGIN"))
                _ = try PreparedStatements.exchange(client, Wire.query("SET search_path TO public"))
                _ = try PreparedStatements.exchange(client, Wire.query("ROLLBACK"))
                #expect(try await Self.elsewhere(client, holder: holder, pool: pool, show).rows == ["elsewhere, public | 4s | elsewhere"])
                // RESET goes back to the default everywhere.
                _ = try PreparedStatements.exchange(client, Wire.query("RESET search_path; RESET statement_timeout"))
                let reset = try await Self.elsewhere(client, holder: holder, pool: pool, "SELECT current_setting('search_path') || ' | ' || current_setting('statement_timeout')")
                #expect(reset.rows == ["\"$user\", public | 0"])
                let stats = await pool.stats()
                #expect(stats.pinnedClients == 0 && stats.settingsApplied > 0)
            }
        }

        @Test func reportedSettingsFollowTheClient() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port, "mover")
                let holder = try PreparedStatements.client(pooled.port, "holder")
                _ = try PreparedStatements.exchange(client, Wire.query("SET TimeZone = 'Asia/Tokyo'; SET DateStyle = 'German'; SET application_name = 'renamed'"))
                let moved = try await Self.elsewhere(
                    client, holder: holder, pool: pool,
                    "SELECT current_setting('TimeZone') || ' | ' || current_setting('DateStyle') || ' | ' || current_setting('application_name')")
                #expect(moved.rows == ["Asia/Tokyo | German, DMY | renamed"])
            }
        }
    }
}
