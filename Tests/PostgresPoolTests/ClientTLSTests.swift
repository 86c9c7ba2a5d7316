import ChildProcess
import Foundation
import LocalTLS
import ManagedPostgres
import NIOPosix
import NIOSSL
import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Clients talk TLS to the pool: the answer to SSLRequest, the handshake with the
    /// emulator's own certificate, `pool.tls` off/allow/require, and broken handshakes.
    @Suite struct ClientTLS {
        /// A CA and a server certificate for localhost/127.0.0.1 in a temporary directory.
        static func withAuthority<Result>(_ body: (LocalCertificateAuthority) async throws -> Result) async throws -> Result {
            let directory = try makeTemporaryDirectory(prefix: "pool-tls")
            defer { removeDirectory(directory) }
            return try await body(try LocalCertificateAuthority.loadOrCreate(in: directory))
        }

        static func settings(_ mode: ClientTLSMode, _ authority: LocalCertificateAuthority) -> ClientTLSSettings {
            ClientTLSSettings(mode: mode, certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath)
        }

        /// Runs psql against `credentials` with extra libpq variables; returns its status and output.
        static func psql(
            _ sql: String, _ credentials: DatabaseCredentials, host: String? = nil, _ extra: [String: String]
        ) async throws -> (ok: Bool, output: String) {
            var environment = credentials.libpqEnvironment
            if let host { environment["PGHOST"] = host }
            environment["PGCONNECT_TIMEOUT"] = "10"
            environment.merge(extra) { $1 }
            let result = try await ChildProcess.run(
                ProcessSpec(
                    executable: try PostgresBinaries.locate().psql,
                    arguments: ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                    environment: environment, output: .pipe),
                timeout: .seconds(60))
            return (result.status.isSuccess, result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        @Test("psql with sslmode=verify-full and the CA connects to 127.0.0.1 and to localhost, encrypted")
        func psqlVerifyFull() async throws {
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool({ $0.clientTLS = Self.settings(.allow, authority) }) { _, pooled in
                    let verify = ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": authority.caCertificatePath]
                    for host in ["127.0.0.1", "localhost"] {
                        let result = try await Self.psql("SELECT 40 + 2", pooled, host: host, verify)
                        #expect(result.ok && result.output == "42", "\(host): \(result.output)")
                        let info = try await Self.psql("\\conninfo", pooled, host: host, verify)
                        #expect(info.output.contains("SSL connection"), "\(host): \(info.output)")
                    }
                    // A client that trusts another CA refuses the pool's certificate.
                    let otherDirectory = try makeTemporaryDirectory(prefix: "pool-tls-other")
                    defer { removeDirectory(otherDirectory) }
                    let other = try LocalCertificateAuthority.loadOrCreate(in: otherDirectory)
                    let refused = try await Self.psql(
                        "SELECT 1", pooled, ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": other.caCertificatePath])
                    #expect(!refused.ok && refused.output.contains("certificate verify failed"), "\(refused.output)")
                    // Plain clients are still served under "allow".
                    let plain = try await Self.psql("SELECT 1", pooled, ["PGSSLMODE": "disable"])
                    #expect(plain.ok && plain.output == "1", "\(plain.output)")
                }
            }
        }

        @Test("psycopg with sslmode=verify-full connects over TLS")
        func psycopgVerifyFull() async throws {
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool({ $0.clientTLS = Self.settings(.allow, authority) }) { _, pooled in
                    let python = try await PythonEnvironment.shared.python(with: ["psycopg[binary]"])
                    let script = """
                        import sys, psycopg
                        with psycopg.connect(sys.argv[1], sslmode="verify-full", sslrootcert=sys.argv[2], autocommit=True) as conn:
                            value = conn.execute("SELECT %s::int * 2", (21,)).fetchone()[0]
                            print(value, conn.pgconn.ssl_in_use)
                        """
                    let url = "postgresql://\(pooled.user):\(pooled.password)@localhost:\(pooled.port)/\(pooled.database)"
                    let result = try await ChildProcess.run(
                        ProcessSpec(
                            executable: python, arguments: ["-c", script, url, authority.caCertificatePath],
                            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                            output: .pipe),
                        timeout: .seconds(60))
                    #expect(result.status.isSuccess, "\(result.output)")
                    #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "42 True", "\(result.output)")
                }
            }
        }

        @Test("postgres-nio with TLS verification (the CA, host name localhost) connects and queries")
        func postgresNIOVerifies() async throws {
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool({ $0.clientTLS = Self.settings(.require, authority) }) { _, pooled in
                    var tls = TLSConfiguration.makeClientConfiguration()
                    tls.trustRoots = .file(authority.caCertificatePath)
                    tls.certificateVerification = .fullVerification
                    let configuration = PostgresConnection.Configuration(
                        host: "localhost", port: pooled.port, username: pooled.user, password: pooled.password,
                        database: pooled.database, tls: .require(try NIOSSLContext(configuration: tls)))
                    let connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
                        logger: PoolHarness.logger)
                    defer { Task { try? await connection.close() } }
                    let rows = try await connection.query("SELECT 6 * 7", logger: PoolHarness.logger)
                    var values: [Int] = []
                    for try await value in rows.decode(Int.self) { values.append(value) }
                    #expect(values == [42])
                }
            }
        }

        @Test("require: a plain client gets an error naming pool.tls; a TLS client is served")
        func requireRefusesPlain() async throws {
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool({ $0.clientTLS = Self.settings(.require, authority) }) { _, pooled in
                    let plain = try await Self.psql("SELECT 1", pooled, ["PGSSLMODE": "disable"])
                    #expect(!plain.ok)
                    #expect(plain.output.contains("pool.tls") && plain.output.contains("sslmode=require"), "\(plain.output)")
                    let encrypted = try await Self.psql("SELECT 1", pooled, ["PGSSLMODE": "require"])
                    #expect(encrypted.ok && encrypted.output == "1", "\(encrypted.output)")
                }
            }
        }

        @Test("off: the pool answers N, so sslmode=require fails and prefer goes plain")
        func offAnswersN() async throws {
            try await PoolHarness.withPool { _, pooled in
                let required = try await Self.psql("SELECT 1", pooled, ["PGSSLMODE": "require"])
                #expect(!required.ok && required.output.contains("does not support SSL"), "\(required.output)")
                let preferred = try await Self.psql("\\conninfo", pooled, ["PGSSLMODE": "prefer"])
                #expect(preferred.ok && !preferred.output.contains("SSL connection"), "\(preferred.output)")
            }
        }

        @Test(
            "a client whose SSLRequest, ClientHello and queries reach the pool in 7-byte pieces is served over TLS",
            .timeLimit(.minutes(1)))
        func fragmentedClientHandshake() async throws {
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool({ $0.clientTLS = Self.settings(.require, authority) }) { _, pooled in
                    let proxy = try FaultProxy(upstreamPort: pooled.port)
                    defer { proxy.stop() }
                    proxy.setFragmentSize(bytes: 7)
                    var proxied = pooled
                    proxied.port = proxy.port
                    let result = try await Self.psql(
                        "SELECT 'ok' || repeat('x', 100000)", proxied, host: "127.0.0.1",
                        ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": authority.caCertificatePath])
                    #expect(result.ok && result.output == "ok" + String(repeating: "x", count: 100_000), "\(result.output.prefix(300))")
                    #expect(proxy.acceptedConnections == 1)
                }
            }
        }

        @Test("garbage, plaintext after SSLRequest and a close during the handshake: that client only; nothing leaked")
        func brokenHandshakes() async throws {
            let log = CapturedLog()
            try await Self.withAuthority { authority in
                try await PoolHarness.withPool(logger: log.logger, { $0.clientTLS = Self.settings(.allow, authority) }) { pool, pooled in
                    let sslRequest = Wire.int32(8) + Wire.int32(80_877_103)
                    // A TLS client that stays connected throughout.
                    let verify = ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": authority.caCertificatePath]

                    // Garbage instead of a ClientHello: the pool closes that connection and says why in its log.
                    let garbage = try RawConnection(port: pooled.port)
                    garbage.send(sslRequest)
                    #expect(garbage.readByte() == UInt8(ascii: "S"))
                    garbage.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                    _ = garbage.readBytesUntilClosed()
                    #expect(garbage.closedByPeer)
                    garbage.close()
                    #expect(log.messages.contains { $0.contains("TLS handshake failed") }, "\(log.messages)")

                    // Plaintext sent with the SSLRequest (before any handshake) is refused.
                    let injected = try RawConnection(port: pooled.port)
                    injected.send(sslRequest + Wire.startup([("user", pooled.user), ("database", pooled.database)]))
                    let refused = injected.readUntilClosed()
                    #expect(refused.first?.fields["M"] == "received unencrypted data after SSL request", "\(refused)")
                    injected.close()

                    // Half a ClientHello, then gone.
                    let quitter = try RawConnection(port: pooled.port)
                    quitter.send(sslRequest)
                    #expect(quitter.readByte() == UInt8(ascii: "S"))
                    quitter.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                    quitter.close()

                    let served = try await Self.psql("SELECT 1", pooled, verify)
                    #expect(served.ok && served.output == "1", "\(served.output)")
                    // Every broken client is gone from the pool.
                    var active = -1
                    for _ in 0..<200 {
                        active = await pool.stats().clientConnections.active
                        if active == 0 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(active == 0)
                }
            }
        }
    }
}
