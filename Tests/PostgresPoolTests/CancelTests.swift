import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// A client's CancelRequest reaches only that client's own query (issue 21, case 1).
    @Suite struct Cancel {
        /// Client A runs tiny queries and is cancelled at random every 0.5-5 ms with its own
        /// key; client B, whose queries keep the backend busy most of the time, never cancels. Prints B's queries cancelled anyway ("foreign"), B's
        /// queries, and A's own cancels. `python -c "$script" URL SECONDS` runs it by hand.
        static let raceScript = """
            import random, sys, threading, time, psycopg
            url, seconds = sys.argv[1], float(sys.argv[2])
            a = psycopg.connect(url, autocommit=True)
            b = psycopg.connect(url, autocommit=True)
            stop = time.monotonic() + seconds
            counts = {"foreign": 0, "b": 0, "own": 0, "a": 0}
            def cancel_a():
                while time.monotonic() < stop:
                    time.sleep(random.uniform(0.0005, 0.005))
                    a.cancel()
            def run(conn, name, cancelled, sql):
                while time.monotonic() < stop:
                    try:
                        conn.execute(sql).fetchone()
                        counts[name] += 1
                    except psycopg.errors.QueryCanceled:
                        counts[cancelled] += 1
            threads = [threading.Thread(target=cancel_a), threading.Thread(target=run, args=(a, "a", "own", "SELECT 1")),
                       threading.Thread(target=run, args=(b, "b", "foreign", "SELECT pg_sleep(0.002)"))]
            for thread in threads: thread.start()
            for thread in threads: thread.join()
            print(counts["foreign"], counts["b"], counts["own"])
            """

        @Test func cancelsNeverReachAnotherClient() async throws {
            // One server connection: A and B take turns on it, as closely as possible.
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { pool, pooled async throws in
                let output = try await Drivers.python(Self.raceScript, url: pooled.url, arguments: ["3"])
                let counts = output.split(separator: " ").compactMap { Int($0) }
                try #require(counts.count == 3, "\(output)")
                #expect(counts[0] == 0, "B's queries cancelled by A's cancels: \(counts[0]) of \(counts[1] + counts[0])")
                #expect(counts[1] > 0, "\(output)")
                let stats = await pool.stats()
                #expect(stats.errors.serverLost == 0)
            }
        }

        @Test func cancelEndsTheWaitForAServerConnection() async throws {
            try await PoolHarness.withPool({
                $0.maxServerConnections = 1
                $0.acquireTimeout = .seconds(60)
                $0.clientAuthentication = .trust
            }) { pool, pooled async throws in
                let holder = try PreparedStatements.client(pooled.port, "holder")
                #expect(try PreparedStatements.exchange(holder, Wire.query("BEGIN")).firstSQLState == nil)
                let waiter = try RawConnection(port: pooled.port, timeoutSeconds: 5)
                let login = try waiter.login(user: "app", database: "app", extra: [("application_name", "waiter")])
                let key = try #require(login.first { $0.type == UInt8(ascii: "K") })
                let processID = key.body[0..<4].reduce(Int32(0)) { $0 << 8 | Int32($1) }
                let secretKey = key.body[4..<8].reduce(Int32(0)) { $0 << 8 | Int32($1) }
                waiter.send(Wire.query("SELECT 'waited'") + Wire.query("SELECT 'queued'"))
                try await Cleanup.waitUntil { await pool.stats().clientConnections.waiting == 1 }
                let canceller = try RawConnection(port: pooled.port)
                canceller.send(Wire.cancelRequest(processID: processID, secretKey: secretKey))
                // The waiting query ends as PostgreSQL ends a cancelled one; the next one still waits.
                let cancelled = try #require(waiter.read(until: "Z"))
                #expect(cancelled.firstSQLState == "57014", "\(cancelled)")
                #expect(cancelled.firstErrorMessage == "canceling statement due to user request")
                #expect(await pool.stats().clientConnections.waiting == 1)
                #expect(try PreparedStatements.exchange(holder, Wire.query("COMMIT")).firstSQLState == nil)
                let queued = try #require(waiter.read(until: "Z"))
                #expect(queued.firstColumns == ["queued"], "\(queued)")
                #expect(try PreparedStatements.exchange(waiter, Wire.query("SELECT 'after'")).firstColumns == ["after"])
            }
        }
    }
}
