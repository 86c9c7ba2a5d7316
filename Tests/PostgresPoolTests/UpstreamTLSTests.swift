import ChildProcess
import Foundation
import LocalTLS
import ManagedPostgres
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// The pool in front of a TLS-only PostgreSQL (`hostssl` rules only, a certificate for
    /// 127.0.0.1 from a test CA), as cloud databases are: libpq's sslmode and sslrootcert.
    @Suite struct UpstreamTLS {
        /// Starts the TLS-only database; runs `body` with its application credentials, its
        /// superuser's, and the CA that signed its certificate.
        static func withTLSOnlyDatabase<Result>(
            _ body: (DatabaseCredentials, DatabaseCredentials, LocalCertificateAuthority) async throws -> Result
        ) async throws -> Result {
            let directory = try makeTemporaryDirectory(prefix: "upstream-tls")
            defer { removeDirectory(directory) }
            let authority = try LocalCertificateAuthority.loadOrCreate(
                in: directory, serverNames: ["127.0.0.1"], commonName: "Test database CA")
            return try await withTemporaryCluster { cluster in
                let server = cluster.server(tls: ManagedPostgresTLS(
                    certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath, requireTLS: true))
                let endpoints = try await server.start()
                return try await body(endpoints.application, endpoints.superuser, authority)
            }
        }

        static func psql(_ sql: String, _ credentials: DatabaseCredentials, _ extra: [String: String]) async throws -> (ok: Bool, output: String) {
            try await ClientTLS.psql(sql, credentials, extra)
        }

        static func upstream(_ database: DatabaseCredentials, host: String? = nil, _ tls: UpstreamTLSSettings) -> UpstreamDatabase {
            UpstreamDatabase(
                host: host ?? database.host, port: database.port, user: database.user, password: database.password,
                database: database.database, tls: tls)
        }

        @Test("verify-full with the CA: every pool connection is encrypted (pg_stat_ssl); plain logins are refused by the database")
        func verifyFullEncryptsEveryConnection() async throws {
            try await Self.withTLSOnlyDatabase { application, superuser, authority in
                // The database itself refuses plain connections.
                let plain = try await Self.psql("SELECT 1", application, ["PGSSLMODE": "disable"])
                #expect(!plain.ok && plain.output.contains("no encryption"), "\(plain.output)")

                let tls = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(authority.caCertificatePath))
                try await PoolHarness.withPool(database: application, { $0.upstream = Self.upstream(application, tls); $0.maxServerConnections = 4 }) { _, pooled in
                    // Concurrent clients make the pool open several server connections.
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<6 {
                            group.addTask {
                                let result = try await Self.psql("SELECT pg_sleep(0.2)", pooled, ["PGSSLMODE": "disable"])
                                #expect(result.ok, "\(result.output)")
                            }
                        }
                        try await group.waitForAll()
                    }
                    let counts = try await Self.psql("""
                        SELECT count(*) || '/' || count(*) FILTER (WHERE s.ssl)
                        FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'app'
                        """, superuser, ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": authority.caCertificatePath])
                    #expect(counts.ok, "\(counts.output)")
                    let parts = counts.output.split(separator: "/").compactMap { Int($0) }
                    #expect(parts.count == 2 && parts[0] >= 2 && parts[0] == parts[1], "connections/encrypted: \(counts.output)")
                }
            }
        }

        @Test("a wrong host name, an unknown CA and require against plain: clear errors naming the host and the reason")
        func verificationFailures() async throws {
            try await Self.withTLSOnlyDatabase { application, _, authority in
                // The certificate is for 127.0.0.1, not localhost.
                let byName = try #require(try UpstreamTLSContext(
                    settings: UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(authority.caCertificatePath)),
                    host: "localhost"))
                await #expect {
                    try await byName.probe(port: application.port)
                } throws: { error in
                    let text = "\(error)"
                    return error is UpstreamTLSError && text.contains("localhost:\(application.port)")
                        && text.contains("certificate is for 127.0.0.1, not localhost")
                }
                // Another CA.
                let otherDirectory = try makeTemporaryDirectory(prefix: "upstream-tls-other")
                defer { removeDirectory(otherDirectory) }
                let other = try LocalCertificateAuthority.loadOrCreate(in: otherDirectory)
                let unknownCA = try #require(try UpstreamTLSContext(
                    settings: UpstreamTLSSettings(mode: .verifyCA, rootCertificates: .file(other.caCertificatePath)),
                    host: "127.0.0.1"))
                await #expect {
                    try await unknownCA.probe(port: application.port)
                } throws: { error in
                    "\(error)".contains("does not verify against sslrootcert=\(other.caCertificatePath)")
                }
                // Through the pool, the client gets the reason.
                let tls = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(other.caCertificatePath))
                try await PoolHarness.withPool(database: application, { $0.upstream = Self.upstream(application, tls) }) { _, pooled in
                    let result = try await Self.psql("SELECT 1", pooled, ["PGSSLMODE": "disable"])
                    #expect(!result.ok && result.output.contains("does not verify"), "\(result.output)")
                }
                // prefer: encrypted, as the database offers TLS.
                let prefer = try #require(try UpstreamTLSContext(settings: UpstreamTLSSettings(mode: .prefer), host: "127.0.0.1"))
                #expect(try await prefer.probe(port: application.port))
            }
        }

        @Test("sslmode=require against a database without TLS is refused; prefer falls back to plain")
        func requireAgainstPlainDatabase() async throws {
            let database = try await TestDatabase.shared().application
            let required = try #require(try UpstreamTLSContext(settings: UpstreamTLSSettings(mode: .require), host: database.host))
            await #expect {
                try await required.probe(port: database.port)
            } throws: { error in
                "\(error)".contains("does not accept TLS connections, and sslmode=require requires TLS")
            }
            let preferred = try #require(try UpstreamTLSContext(settings: UpstreamTLSSettings(mode: .prefer), host: database.host))
            #expect(try await preferred.probe(port: database.port) == false)
        }

        @Test(
            "the database's TLS records reach the pool in 7-byte pieces: the handshake and the queries still complete",
            .timeLimit(.minutes(1)))
        func fragmentedTLSRecords() async throws {
            try await Self.withTLSOnlyDatabase { application, _, authority in
                let proxy = try FaultProxy(upstreamPort: application.port)
                defer { proxy.stop() }
                proxy.setFragmentSize(bytes: 7)
                var upstream = application
                upstream.port = proxy.port
                let tls = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(authority.caCertificatePath))
                try await PoolHarness.withPool(database: upstream, { $0.upstream = Self.upstream(upstream, tls) }) { _, pooled in
                    let result = try await Self.psql(
                        "SELECT ssl::text || repeat('x', 100000) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                        pooled, ["PGSSLMODE": "disable"])
                    #expect(result.ok && result.output == "true" + String(repeating: "x", count: 100_000), "\(result.output.prefix(300))")
                    #expect(proxy.acceptedConnections >= 1)
                }
            }
        }

        @Test("the database's TLS connection cut mid-transaction: an error for that client only, others go on over a new TLS connection")
        func droppedTLSSession() async throws {
            try await Self.withTLSOnlyDatabase { application, _, authority in
                let proxy = try FaultProxy(upstreamPort: application.port)
                defer { proxy.stop() }
                var upstream = application
                upstream.port = proxy.port
                let tls = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(authority.caCertificatePath))
                try await PoolHarness.withPool(database: upstream, {
                    $0.upstream = Self.upstream(upstream, tls)
                    $0.clientAuthentication = .trust
                }) { _, pooled in
                    // The raw client reads with a timeout: postgres-nio 1.33.2 never completes a query
                    // written to a connection the pool has just closed (RELIABILITY.md), which hung this test.
                    let client = try PreparedStatements.client(pooled.port)
                    #expect(try PreparedStatements.exchange(client, Wire.query("BEGIN")).firstSQLState == nil)
                    #expect(try PreparedStatements.exchange(client, Wire.query("SELECT 1")).firstSQLState == nil)
                    proxy.resetConnections()
                    // Whether the pool's error comes before or after this query, it ends the session.
                    client.send(Wire.query("SELECT 2"))
                    let reply = client.readUntilClosed()
                    #expect(
                        reply.firstErrorMessage?.contains("the pool lost its connection to the database") == true,
                        "\(reply)")
                    client.close()
                    let after = try await Self.psql(
                        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", pooled, ["PGSSLMODE": "disable"])
                    #expect(after.ok && after.output == "t", "\(after.output)")
                }
            }
        }
    }
}
