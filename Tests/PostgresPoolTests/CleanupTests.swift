import ChildProcess
import Glibc
import ManagedPostgres
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// What a client leaves behind never reaches the next client.
    @Suite struct Cleanup {
        /// Backends of the `app` role in a transaction, seen by the superuser.
        static func idleInTransaction(_ superuser: DatabaseCredentials) async throws -> Int {
            Int(try await psql(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND state LIKE 'idle in transaction%'",
                credentials: superuser)) ?? -1
        }

        static func waitUntil(_ condition: () async throws -> Bool) async throws {
            for _ in 0..<500 {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("condition not reached within 10 s")
        }

        @Test(arguments: [false, true])
        func abandonedTransactionIsRolledBack(abrupt: Bool) async throws {
            let endpoints = try await TestDatabase.shared()
            let table = "abandoned_\(abrupt ? "abrupt" : "terminate")"
            _ = try await psql("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (n int)", credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                if abrupt {
                    // A client that vanishes without a Terminate.
                    let raw = try RawConnection(port: pooled.port)
                    _ = try raw.login(user: "app", database: "app")
                    raw.send(Wire.query("BEGIN; INSERT INTO \(table) VALUES (1)"))
                    let reply = try #require(raw.read(until: "Z"))
                    #expect(reply.last?.body == [UInt8(ascii: "T")])
                    raw.close()
                } else {
                    // postgres-nio closes politely (Terminate) with the transaction open.
                    try await PoolHarness.withConnection(pooled) { connection async throws in
                        _ = try await connection.query("BEGIN", logger: PoolHarness.logger)
                        _ = try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"), logger: PoolHarness.logger)
                    }
                }
                // The single server connection serves the next client, outside any transaction.
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    let rows = try await PoolHarness.strings(
                        connection,
                        PostgresQuery(unsafeSQL: "SELECT count(*)::text || ':' || (txid_current_if_assigned() IS NULL)::text FROM \(table)"))
                    #expect(rows == ["0:true"])
                }
                #expect(try await Self.idleInTransaction(endpoints.superuser) == 0)
                #expect(try await psql("SELECT count(*) FROM \(table)", credentials: endpoints.application) == "0")
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }

        @Test func clientVanishingMidCopyLeavesNothing() async throws {
            let endpoints = try await TestDatabase.shared()
            _ = try await psql("DROP TABLE IF EXISTS copy_vanish; CREATE TABLE copy_vanish (n int)", credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                _ = try raw.login(user: "app", database: "app")
                raw.send(Wire.query("COPY copy_vanish FROM STDIN"))
                let copyIn = try #require(raw.readMessage())
                #expect(copyIn.type == UInt8(ascii: "G"))
                raw.send(Wire.message("d", Array("1\n2\n".utf8)))
                raw.close()
                // The same (only) server connection is clean for the next client.
                #expect(try await psql("SELECT count(*) FROM copy_vanish", credentials: pooled) == "0")
                #expect(try await Self.idleInTransaction(endpoints.superuser) == 0)
                let copying = try await psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND query LIKE 'COPY copy_vanish%' AND state = 'active'",
                    credentials: endpoints.superuser)
                #expect(copying == "0")
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }

        /// A client that vanishes mid-COPY, or mid-query, leaves no cancel behind that could
        /// reach the next client's query on the same server connection.
        @Test(arguments: ["COPY copy_then_next FROM STDIN", "SELECT pg_sleep(0.05)"])
        func leavingClientDoesNotCancelTheNextOne(leftBehind: String) async throws {
            let endpoints = try await TestDatabase.shared()
            _ = try await psql("CREATE TABLE IF NOT EXISTS copy_then_next (n int)", credentials: endpoints.application)
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let leaving = try RawConnection(port: pooled.port)
                _ = try leaving.login(user: "app", database: "app")
                leaving.send(Wire.query(leftBehind))
                if leftBehind.hasPrefix("COPY") {
                    #expect(try #require(leaving.readMessage()).type == UInt8(ascii: "G"))
                }
                // The next client waits for the only server connection.
                let next = try RawConnection(port: pooled.port)
                _ = try next.login(user: "app", database: "app")
                next.send(Wire.query("SELECT pg_sleep(0.5)"))
                // It queues behind the leaving client; on a loaded machine the 50 ms query
                // may be over before it logs in, and then it is served at once: fine too.
                for _ in 0..<100 where await pool.stats().clientConnections.waiting != 1 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                leaving.close()
                let reply = try #require(next.read(until: "Z"))
                #expect(reply.firstSQLState == nil, "\(reply)")
                #expect(try await Self.idleInTransaction(endpoints.superuser) == 0)
            }
        }

        @Test func clientVanishingMidQueryHasItCancelled() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                _ = try raw.login(user: "app", database: "app")
                raw.send(Wire.query("SELECT pg_sleep(60) /* vanish */"))
                try await Self.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60) /* vanish */%' AND state = 'active'",
                        credentials: endpoints.superuser) == "1"
                }
                raw.close()
                // Served long before the 60 s sleep would have ended.
                #expect(try await psql("SELECT 'after'", credentials: pooled) == "after")
            }
        }

        @Test func cancelRequestCancelsTheRightQuery() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let sleeper = try RawConnection(port: pooled.port)
                let login = try sleeper.login(user: "app", database: "app")
                let key = try #require(login.first { $0.type == UInt8(ascii: "K") })
                let processID = Int32(bigEndian: key.body[0..<4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
                let secretKey = Int32(bigEndian: key.body[4..<8].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
                // A bystander with a query of its own, which must not be cancelled.
                let bystander = try RawConnection(port: pooled.port)
                _ = try bystander.login(user: "app", database: "app")
                bystander.send(Wire.query("SELECT pg_sleep(1) /* bystander */"))
                sleeper.send(Wire.query("SELECT pg_sleep(60) /* cancel me */"))
                try await Self.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60) /* cancel me */%' AND state = 'active'",
                        credentials: endpoints.superuser) == "1"
                }
                // A wrong key does nothing; the right one cancels.
                RawConnection.sendAndClose(port: pooled.port, Wire.cancelRequest(processID: processID, secretKey: secretKey &+ 1))
                RawConnection.sendAndClose(port: pooled.port, Wire.cancelRequest(processID: processID, secretKey: secretKey))
                let reply = try #require(sleeper.read(until: "Z"))
                #expect(reply.firstSQLState == "57014")
                let bystanderReply = try #require(bystander.read(until: "Z"))
                #expect(bystanderReply.firstSQLState == nil)
                // The cancelled client carries on.
                sleeper.send(Wire.query("SELECT 1"))
                #expect(try #require(sleeper.read(until: "Z")).firstSQLState == nil)
            }
        }

        @Test func psqlCancelsThroughThePool() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.maxServerConnections = 2 }) { _, pooled in
                var environment = pooled.libpqEnvironment
                environment["PGAPPNAME"] = "psql-cancel"
                let psql = try await ChildProcess.spawn(ProcessSpec(
                    executable: try PostgresBinaries.locate().psql,
                    arguments: ["-X", "-c", "SELECT pg_sleep(60)"],
                    environment: environment,
                    output: .discard
                ))
                try await Self.waitUntil {
                    try await TestSupport.psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psql-cancel' AND query = 'SELECT pg_sleep(60)' AND state = 'active'",
                        credentials: endpoints.superuser) == "1"
                }
                // Ctrl-C: psql sends a CancelRequest with the pool's key; the pool forwards the server's.
                psql.signal(SIGINT)
                #expect(await psql.waitForExit() == .exited(1))
                #expect(try await TestSupport.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psql-cancel' AND state = 'active'",
                    credentials: endpoints.superuser) == "0")
            }
        }

        /// In transaction mode, what a client's session set up (settings, prepared statements,
        /// LISTEN) stays its own while it lives and is cleared when it leaves.
        @Test(arguments: [false, true])
        func transactionModeClearsSessionStateOfLeftClients(leaveLinked: Bool) async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { pool, pooled async throws in
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    for statement: PostgresQuery in [
                        "SET search_path = pg_catalog, nope", "SET statement_timeout = 1234",
                        "PREPARE leak AS SELECT '42'::text", "LISTEN chan",
                    ] {
                        _ = try await connection.query(statement, logger: PoolHarness.logger)
                    }
                    // Still there for the client itself.
                    #expect(try await PoolHarness.strings(connection, "EXECUTE leak") == ["42"])
                    if leaveLinked {
                        // Leaves in the middle of a transaction (the connection is still linked).
                        _ = try await connection.query("BEGIN", logger: PoolHarness.logger)
                    }
                }
                try await Self.waitUntil { await pool.stats().clientConnections.active == 0 }
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SHOW search_path") == ["\"$user\", public"])
                    #expect(try await PoolHarness.strings(connection, "SHOW statement_timeout") == ["0"])
                    #expect(try await PoolHarness.strings(connection, "SELECT count(*)::text FROM pg_prepared_statements") == ["0"])
                    #expect(try await PoolHarness.strings(connection, "SELECT count(*)::text FROM pg_listening_channels()") == ["0"])
                }
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }

        @Test func sessionModeResetsTheConnection() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.mode = .session }) { pool, pooled async throws in
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    _ = try await connection.query("SET statement_timeout = '12345ms'", logger: PoolHarness.logger)
                    _ = try await connection.query("PREPARE p AS SELECT 1", logger: PoolHarness.logger)
                    #expect(try await PoolHarness.strings(connection, "SHOW statement_timeout") == ["12345ms"])
                }
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SHOW statement_timeout") == ["0"])
                    #expect(try await PoolHarness.strings(connection, "SELECT count(*)::text FROM pg_prepared_statements") == ["0"])
                }
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }
    }
}
