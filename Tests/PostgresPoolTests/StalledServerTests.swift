import Glibc
import ManagedPostgres
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// A database backend that stops answering (stopped with SIGSTOP) or dies at a bad moment
    /// never holds a server-connection slot for good.
    @Suite struct StalledServers {
        /// The backend process behind the server connection `client` is linked to.
        static func backendPID(_ client: RawConnection) throws -> pid_t {
            client.send(Wire.query("SELECT pg_backend_pid()"))
            let reply = try #require(client.read(until: "Z"))
            let row = try #require(reply.first { $0.type == UInt8(ascii: "D") })
            return try #require(pid_t(String(decoding: row.body.dropFirst(6), as: UTF8.self)))
        }

        @Test func sessionResetThatHangsIsGivenUp() async throws {
            try await PoolHarness.withPool({
                $0.maxServerConnections = 1
                $0.mode = .session
                $0.acquireTimeout = .seconds(25)
                $0.clientAuthentication = .trust
            }) { pool, pooled async throws in
                let leaving = try RawConnection(port: pooled.port)
                _ = try leaving.login(user: "app", database: "app")
                let pid = try Self.backendPID(leaving)
                #expect(kill(pid, SIGSTOP) == 0)
                defer { kill(pid, SIGCONT) }
                leaving.close()
                // The last client left; the pool's DISCARD ALL gets no answer. The next
                // client is served on a new connection once the reset times out.
                #expect(try await psql("SELECT 'served'", credentials: pooled) == "served")
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }

        @Test func connectionDyingInHealthCheckDoesNotStarveWaiters() async throws {
            try await PoolHarness.withPool({
                $0.maxServerConnections = 1
                $0.serverCheckDelay = .zero
                $0.acquireTimeout = .seconds(20)
                $0.clientAuthentication = .trust
            }) { pool, pooled async throws in
                let first = try RawConnection(port: pooled.port)
                _ = try first.login(user: "app", database: "app")
                let pid = try Self.backendPID(first)
                first.close()
                try await Cleanup.waitUntil { await pool.stats().clientConnections.active == 0 }
                #expect(kill(pid, SIGSTOP) == 0)
                defer { kill(pid, SIGCONT) }
                // The next client finds the idle connection due for a health check, which gets no answer.
                let client = try RawConnection(port: pooled.port, timeoutSeconds: 30)
                _ = try client.login(user: "app", database: "app")
                client.send(Wire.query("SELECT 'served'"))
                try await Cleanup.waitUntil { await pool.stats().clientConnections.waiting == 1 }
                // The backend dies during the check.
                #expect(kill(pid, SIGTERM) == 0)
                #expect(kill(pid, SIGCONT) == 0)
                let reply = try #require(client.read(until: "Z"))
                #expect(reply.firstSQLState == nil, "\(reply)")
                #expect(reply.contains { $0.type == UInt8(ascii: "D") })
            }
        }
    }
}

extension PostgresPoolTests.StalledServers {
    @Test func databaseThatNeverAnswersTheLoginIsGivenUp() async throws {
        // Accepts connections and never says a word.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        var upstream = try await TestDatabase.shared().application
        upstream.host = "127.0.0.1"
        upstream.port = try #require(silent.localAddress?.port)
        do {
            try await PoolHarness.withPool(database: upstream, {
                $0.acquireTimeout = .seconds(30)
                $0.clientAuthentication = .trust
            }) { pool, pooled async throws in
                let client = try RawConnection(port: pooled.port, timeoutSeconds: 40)
                client.send(Wire.startup([("user", "app"), ("database", "app")]))
                let reply = client.readUntilClosed()
                #expect(reply.firstSQLState == "08006", "\(reply)")
                #expect(reply.firstErrorMessage?.contains("could not log in") == true, "\(reply)")
                #expect(await pool.stats().errors.serverConnectFailed == 1)
            }
        } catch {
            try await silent.close()
            throw error
        }
        try await silent.close()
    }
}

extension PostgresPoolTests.StalledServers {
    /// The pool shutting down while a server connection is still looking up the database's
    /// address leaves no database connection behind.
    @Test func shutdownDuringConnectLeavesNoDatabaseConnection() async throws {
        let endpoints = try await TestDatabase.shared()
        var upstream = endpoints.application
        upstream.host = "localhost"  // an address lookup before the connection exists
        for attempt in 0..<20 {
            let configuration = PoolHarness.configuration(for: upstream) { $0.clientAuthentication = .trust }
            let pool = PostgresPool(configuration: configuration, logger: PoolHarness.logger)
            let port = try await pool.start()
            let client = try RawConnection(port: port)
            client.send(Wire.startup([("user", "app"), ("database", "app")]))
            // The first client makes the pool connect to the database; shut down at varied moments of that.
            try await Task.sleep(for: .microseconds(100 * attempt))
            await pool.shutdown()
            client.close()
        }
        // The pool's server connections are the `app` backends without an application_name.
        try await PostgresPoolTests.Cleanup.waitUntil {
            try await psql(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND application_name = '' AND backend_type = 'client backend'",
                credentials: endpoints.superuser) == "0"
        }
    }
}
