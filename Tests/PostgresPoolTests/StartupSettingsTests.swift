import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Settings a client gives at startup, and what SET, RESET and RESET ALL do to them
    /// afterwards, are what PostgreSQL would give it (issue 21, cases 2, 3, 6, 7 and 8).
    @Suite struct StartupSettings {
        /// Case 2: a SET to the server's default value sticks, although the client started
        /// with another value.
        @Test func setToTheServerDefaultSticks() async throws {
            let script = """
                import sys, psycopg
                options = "-c statement_timeout=5s -c search_path=elsewhere -c extra_float_digits=3 -c lock_timeout=3s"
                with psycopg.connect(sys.argv[1], options=options, autocommit=True) as conn:
                    conn.execute("SET statement_timeout = 0")
                    conn.execute('SET search_path = "$user", public')
                    conn.execute("SET extra_float_digits = 1")
                    conn.execute("SET lock_timeout = 0")
                    show = "SELECT current_setting('statement_timeout'), current_setting('search_path'), current_setting('extra_float_digits'), current_setting('lock_timeout')"
                    for _ in range(3):
                        row = conn.execute(show).fetchone()
                        assert row == ("0", '"$user", public', "1", "0"), row
                    # RESET goes back to the startup value, in the next statement already.
                    conn.execute("RESET statement_timeout")
                    conn.execute("RESET search_path")
                    for _ in range(2):
                        row = conn.execute(show).fetchone()
                        assert row == ("5s", "elsewhere", "1", "0"), row
                    # SET ... TO DEFAULT is RESET.
                    conn.execute("SET lock_timeout TO DEFAULT")
                    conn.execute("SET extra_float_digits = DEFAULT")
                    for _ in range(2):
                        row = conn.execute(show).fetchone()
                        assert row == ("5s", "elsewhere", "3", "3s"), row
                print("ok")
                """
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                #expect(try await Drivers.python(script, url: pooled.url) == "ok")
            }
        }

        /// Case 3: RESET and RESET ALL give the client its startup values of reported settings
        /// (asyncpg's pool runs RESET ALL on every release).
        @Test func resetGoesBackToTheStartupValue() async throws {
            let asyncpgScript = """
                import asyncio, sys, asyncpg
                async def main():
                    settings = {"TimeZone": "Asia/Tokyo", "application_name": "tokyo", "DateStyle": "German"}
                    pool = await asyncpg.create_pool(sys.argv[1], min_size=1, max_size=1, server_settings=settings)
                    for attempt in range(3):
                        async with pool.acquire() as conn:
                            row = await conn.fetchrow("SELECT current_setting('TimeZone') AS tz, current_setting('application_name') AS app, current_setting('DateStyle') AS ds")
                            assert (row["tz"], row["app"], row["ds"]) == ("Asia/Tokyo", "tokyo", "German, DMY"), (attempt, dict(row))
                    await pool.close()
                    print("ok")
                asyncio.run(main())
                """
            let psycopgScript = """
                import sys, psycopg
                with psycopg.connect(sys.argv[1], options="-c TimeZone=Asia/Tokyo", autocommit=True) as conn:
                    conn.execute("SET TimeZone = 'UTC'")
                    conn.execute("RESET TimeZone")
                    assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)
                    assert conn.info.parameter_status("TimeZone") == "Asia/Tokyo", conn.info.parameter_status("TimeZone")
                    conn.execute("SET TimeZone = 'UTC'")
                    conn.execute("RESET ALL")
                    assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)
                    assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)
                print("ok")
                """
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                #expect(try await Drivers.python(asyncpgScript, url: pooled.url) == "ok")
                #expect(try await Drivers.python(psycopgScript, url: pooled.url) == "ok")
            }
        }

        /// Case 6: client_encoding is reported in PostgreSQL's spelling, however the client wrote it.
        @Test(arguments: [("utf8", "UTF8"), ("utf-8", "UTF8"), ("utf_8", "UTF8"), ("eucjp", "EUC_JP"), ("euc-jp", "EUC_JP"), ("LATIN1", "LATIN1")])
        func clientEncodingIsCanonical(_ encoding: String, _ canonical: String) async throws {
            let script = """
                import sys, psycopg
                with psycopg.connect(sys.argv[1], autocommit=True) as conn:
                    print(conn.info.parameter_status("client_encoding"), conn.execute("SHOW client_encoding").fetchone()[0])
                """
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                let output = try await Drivers.python(script, url: pooled.url, environment: ["PGCLIENTENCODING": encoding])
                #expect(output == "\(canonical) \(canonical)")
            }
        }

        /// Case 7: client_min_messages and escape_string_warning are carried to the client's
        /// next server connections, without pinning it or a warning.
        @Test func plainSettingsAreCarriedNotPinned() async throws {
            // psycopg's notice handlers see only what the client's own settings let through.
            let script = """
                import sys, psycopg
                with psycopg.connect(sys.argv[1], autocommit=True) as conn:
                    notices = []
                    conn.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
                    conn.execute("SET client_min_messages = warning")
                    conn.execute("SET escape_string_warning = off")
                    conn.execute("DO $$ BEGIN RAISE NOTICE 'hidden'; RAISE WARNING 'shown'; END $$")
                    assert notices == ["shown"], notices
                print("ok")
                """
            try await PoolHarness.withPool({ $0.maxServerConnections = 2; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                #expect(try await Drivers.python(script, url: pooled.url) == "ok")
                // On another server connection the client still has them.
                let client = try PreparedStatements.client(pooled.port, "mover")
                let holder = try PreparedStatements.client(pooled.port, "holder")
                let set = try PreparedStatements.exchange(client, Wire.query("SET client_min_messages = warning; SET escape_string_warning = off"))
                #expect(set.firstSQLState == nil && set.notices.isEmpty, "\(set)")
                let show = "SELECT current_setting('client_min_messages') || ' | ' || current_setting('escape_string_warning')"
                #expect(try await SessionState.elsewhere(client, holder: holder, pool: pool, show).rows == ["warning | off"])
                let stats = await pool.stats()
                #expect(stats.pinnedClients == 0 && stats.pinEvents[.setting] == 0)
            }
        }

        /// Case 8: a startup setting PostgreSQL would refuse fails the login, as there.
        @Test func invalidStartupSettingsFailTheLogin() async throws {
            let script = """
                import sys, psycopg
                for options, expected in [("-c no_such_setting=1", 'unrecognized configuration parameter "no_such_setting"'),
                                          ("-c statement_timeout=abc", 'invalid value for parameter "statement_timeout": "abc"')]:
                    try:
                        psycopg.connect(sys.argv[1], options=options).close()
                        raise AssertionError(f"{options} was accepted")
                    except psycopg.OperationalError as error:
                        assert expected in str(error), str(error)
                # Valid ones, a placeholder included, still log in (again: the check is cached).
                for _ in range(2):
                    with psycopg.connect(sys.argv[1], options="-c myapp.tenant=7 -c statement_timeout=4s", autocommit=True) as conn:
                        assert conn.execute("SELECT current_setting('myapp.tenant'), current_setting('statement_timeout')").fetchone() == ("7", "4s")
                print("ok")
                """
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { pool, pooled async throws in
                #expect(try await Drivers.python(script, url: pooled.url) == "ok")
                // The pool keeps serving.
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SELECT 'still serving'") == ["still serving"])
                }
                #expect(await pool.stats().errors.serverLost == 0)
            }
        }

        /// Issue 20, item 11: an idle server connection does not keep its last client's
        /// application_name (a function instance that no longer exists).
        @Test func idleServerConnectionsDropTheClientsName() async throws {
            let endpoints = try await TestDatabase.shared()
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { pool, pooled async throws in
                let client = try PreparedStatements.client(pooled.port, "gone-fn/instance-1")
                #expect(try PreparedStatements.exchange(client, Wire.query("SELECT 1")).firstSQLState == nil)
                client.send(Wire.message("X", []))
                client.close()
                try await Cleanup.waitUntil {
                    try await psql(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gone-fn/instance-1'",
                        credentials: endpoints.application) == "0"
                }
                #expect(await pool.stats().serverConnections.idle == 1)
                // The next client still gets its own name.
                let next = try PreparedStatements.client(pooled.port, "next-fn/instance-2")
                #expect(try PreparedStatements.exchange(next, Wire.query("SHOW application_name")).firstColumns == ["next-fn/instance-2"])
            }
        }
    }
}
