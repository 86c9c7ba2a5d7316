import ManagedPostgres
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Limits, timeouts and authentication failures, each answered with a PostgreSQL error.
    @Suite struct Limits {
        @Test func acquireTimeoutGives08P01() async throws {
            try await PoolHarness.withPool({
                $0.maxServerConnections = 1
                $0.acquireTimeout = .milliseconds(300)
            }) { pool, pooled async throws in
                // The one server connection is opened first, asking until it answers: on a loaded
                // machine its login to the database alone can take longer than the 300 ms waited here.
                try await Cleanup.waitUntil { (try? await psql("SELECT 1", credentials: pooled)) == "1" }
                let timeoutsBefore = await pool.stats().errors.acquireTimeout
                try await PoolHarness.withConnection(pooled) { holder async throws in
                    _ = try await holder.query("BEGIN", logger: PoolHarness.logger)
                    let error = await #expect(throws: (any Error).self) {
                        try await PoolHarness.withConnection(pooled) { waiter async throws in
                            _ = try await PoolHarness.strings(waiter, "SELECT 'never'::text")
                        }
                    }
                    let failure = try #require(error)
                    #expect(PoolHarness.sqlState(failure) == "08P01")
                    let message = PoolHarness.message(failure) ?? ""
                    #expect(message.contains("waited"), "\(message)")
                    #expect(message.contains("pool.maxServerConnections = 1"), "\(message)")
                    #expect(message.contains("pool.acquireTimeoutMs = 300"), "\(message)")
                    _ = try await holder.query("COMMIT", logger: PoolHarness.logger)
                }
                let stats = await pool.stats()
                #expect(stats.errors.acquireTimeout == timeoutsBefore + 1)
                #expect(stats.clientConnections.waiting == 0)
                // Later clients are served again.
                #expect(try await psql("SELECT 'served'", credentials: pooled) == "served")
            }
        }

        @Test func waitersAreServedInOrderWithinTheTimeout() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let holder = try RawConnection(port: pooled.port)
                _ = try holder.login(user: "app", database: "app")
                holder.send(Wire.query("BEGIN"))
                _ = try #require(holder.read(until: "Z"))
                var waiters: [RawConnection] = []
                for index in 0..<3 {
                    let waiter = try RawConnection(port: pooled.port)
                    _ = try waiter.login(user: "app", database: "app")
                    waiter.send(Wire.query("SELECT \(index)"))
                    waiters.append(waiter)
                }
                try await Cleanup.waitUntil { await pool.stats().clientConnections.waiting == 3 }
                holder.send(Wire.query("COMMIT"))
                _ = try #require(holder.read(until: "Z"))
                for waiter in waiters {
                    let reply = try #require(waiter.read(until: "Z"))
                    #expect(reply.firstSQLState == nil)
                }
                let stats = await pool.stats()
                #expect(stats.waitTime.samples >= 4)
                #expect(stats.serverConnections.peak == 1)
            }
        }

        @Test func clientLimitGives53300() async throws {
            try await PoolHarness.withPool({ $0.maxClientConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let first = try RawConnection(port: pooled.port)
                _ = try first.login(user: "app", database: "app")
                let second = try RawConnection(port: pooled.port)
                _ = try second.login(user: "app", database: "app")
                let third = try RawConnection(port: pooled.port)
                third.send(Wire.startup([("user", "app"), ("database", "app")]))
                let reply = third.readUntilClosed()
                #expect(reply.firstSQLState == "53300")
                #expect(reply.firstErrorMessage?.contains("pool.maxClientConnections") == true)
                #expect(await pool.stats().errors.clientLimit == 1)
                // Room again once a client leaves.
                first.close()
                try await Cleanup.waitUntil { await pool.stats().clientConnections.active == 1 }
                let fourth = try RawConnection(port: pooled.port)
                _ = try fourth.login(user: "app", database: "app")
            }
        }

        @Test func wrongPasswordGives28P01() async throws {
            try await PoolHarness.withPool { pool, pooled async throws in
                var wrong = pooled
                wrong.password = "not-the-password"
                let error = await #expect(throws: (any Error).self) {
                    try await PoolHarness.withConnection(wrong) { _ in }
                }
                #expect(error.flatMap(PoolHarness.sqlState) == "28P01")
                let psqlError = await #expect(throws: PsqlError.self) {
                    try await psql("SELECT 1", credentials: wrong)
                }
                #expect(psqlError?.output.contains("password authentication failed") == true)
                #expect(await pool.stats().errors.authFailed >= 2)
            }
        }

        @Test func wrongPasswordWithMD5Gives28P01() async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = .md5 }) { _, pooled async throws in
                var wrong = pooled
                wrong.password = "not-the-password"
                let error = await #expect(throws: (any Error).self) {
                    try await PoolHarness.withConnection(wrong) { _ in }
                }
                #expect(error.flatMap(PoolHarness.sqlState) == "28P01")
            }
        }

        @Test func unknownUserAndDatabase() async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let stranger = try RawConnection(port: pooled.port)
                stranger.send(Wire.startup([("user", "mallory"), ("database", "app")]))
                let strangerReply = stranger.readUntilClosed()
                #expect(strangerReply.firstSQLState == "28000")
                #expect(strangerReply.firstErrorMessage?.contains("mallory") == true)

                let lost = try RawConnection(port: pooled.port)
                lost.send(Wire.startup([("user", "app"), ("database", "nowhere")]))
                let lostReply = lost.readUntilClosed()
                #expect(lostReply.firstSQLState == "3D000")
                #expect(lostReply.firstErrorMessage?.contains("nowhere") == true)

                let anonymous = try RawConnection(port: pooled.port)
                anonymous.send(Wire.startup([("database", "app")]))
                #expect(anonymous.readUntilClosed().firstSQLState == "28000")
                #expect(await pool.stats().errors.authFailed == 3)
            }
        }

        @Test func unknownUpstreamDatabasePassesTheServersError() async throws {
            var upstream = try await TestDatabase.shared().application
            upstream.database = "no_such_database"
            try await PoolHarness.withPool(database: upstream, { $0.clientAuthentication = .trust }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                raw.send(Wire.startup([("user", "app"), ("database", "no_such_database")]))
                let reply = raw.readUntilClosed()
                #expect(reply.firstSQLState == "3D000")
                #expect(reply.firstErrorMessage?.contains("no_such_database") == true)
            }
        }

        @Test func misconfiguredUpstreamPasswordIsExplained() async throws {
            var upstream = try await TestDatabase.shared().application
            upstream.password = "not-the-database-password"
            try await PoolHarness.withPool(database: upstream) { pool, pooled in
                // The client knows the pool's (wrong) password, so it gets in; the database refuses the pool.
                let error = await #expect(throws: (any Error).self) {
                    try await PoolHarness.withConnection(pooled) { _ in }
                }
                #expect(error.flatMap(PoolHarness.sqlState) == "28P01")
                #expect(error.flatMap(PoolHarness.message)?.contains("the pool could not log in to the database") == true)
                #expect(await pool.stats().errors.serverConnectFailed == 1)
            }
        }

        @Test func loginTimeoutDisconnectsSilentClients() async throws {
            try await PoolHarness.withPool({ $0.loginTimeout = .milliseconds(200) }) { pool, pooled async throws in
                let silent = try RawConnection(port: pooled.port)
                let reply = silent.readUntilClosed()
                #expect(reply.firstSQLState == "08P01")
                #expect(reply.firstErrorMessage?.contains("login") == true)
                #expect(silent.closedByPeer)
                #expect(await pool.stats().errors.loginTimeout == 1)
            }
        }

        @Test func startupParametersAreAppliedPerLink() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                var configurationA = PostgresConnection.Configuration(
                    host: pooled.host, port: pooled.port, username: pooled.user, password: pooled.password,
                    database: pooled.database, tls: .disable)
                configurationA.options.additionalStartupParameters = [
                    ("application_name", "fn-a"), ("TimeZone", "Asia/Tokyo"), ("DateStyle", "German"),
                    ("extra_float_digits", "2"), ("options", "-c search_path=pg_catalog -c statement_timeout=7s"),
                ]
                var configurationB = configurationA
                configurationB.options.additionalStartupParameters = [("application_name", "fn-b"), ("bogus setting!", "x")]
                let a = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configurationA, id: 1, logger: PoolHarness.logger)
                let b = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configurationB, id: 2, logger: PoolHarness.logger)
                let show = "SELECT current_setting('application_name') || '|' || current_setting('TimeZone') || '|' || current_setting('DateStyle') || '|' || current_setting('extra_float_digits') || '|' || current_setting('search_path') || '|' || current_setting('statement_timeout')"
                for _ in 0..<3 {
                    // Both share the single server connection, alternately.
                    #expect(try await PoolHarness.strings(a, PostgresQuery(unsafeSQL: show)) == ["fn-a|Asia/Tokyo|German, DMY|2|pg_catalog|7s"])
                    let bSettings = try await PoolHarness.strings(b, PostgresQuery(unsafeSQL: show))
                    #expect(bSettings.first?.hasPrefix("fn-b|") == true)
                    #expect(bSettings.first?.contains("Asia/Tokyo") == false)
                    #expect(bSettings.first?.hasSuffix("|0") == true)
                }
                try await a.close()
                try await b.close()
            }
        }
    }
}
