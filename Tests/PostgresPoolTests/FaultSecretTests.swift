import Logging
import ManagedPostgres
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// No way in without the password, and no password in what the pool says or logs.
    @Suite struct FaultSecrets {
        @Test(arguments: [ClientAuthentication.scramSHA256, .md5])
        func noSessionWithoutAValidPassword(authentication: ClientAuthentication) async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = authentication }) { pool, pooled async throws in
                for password in ["", "\u{0}", String(repeating: "p", count: 5000)] {
                    let raw = try RawConnection(port: pooled.port)
                    raw.send(Wire.startup([("user", "app"), ("database", "app")]))
                    let challenge = try #require(raw.readMessage())
                    #expect(challenge.type == UInt8(ascii: "R"), "\(challenge)")
                    raw.send(Wire.message("p", Wire.cString(password)))
                    let reply = raw.readUntilClosed()
                    #expect(!reply.contains { $0.type == UInt8(ascii: "Z") }, "\(authentication): let in with \(password.prefix(8))")
                    #expect(reply.firstSQLState == "28P01" || reply.firstSQLState == "08P01", "\(reply)")
                }
                // A client that answers the challenge with nothing at all is not let in either.
                let silent = try RawConnection(port: pooled.port)
                silent.send(Wire.startup([("user", "app"), ("database", "app")]))
                #expect(silent.readMessage()?.type == UInt8(ascii: "R"))
                silent.close()
                let errors = await pool.stats().errors
                #expect(errors.authFailed + errors.protocol >= 3)
            }
        }

        @Test func passwordsAppearInNoErrorLogOrStats() async throws {
            let captured = CapturedLog()
            var logger = captured.logger
            logger.logLevel = .trace
            let real = try await TestDatabase.shared().application
            let wrongUpstream = "upstream-secret-4711"
            let wrongClient = "client-secret-0815"
            var upstream = real
            upstream.password = wrongUpstream
            try await PoolHarness.withPool(database: upstream, logger: logger) { pool, pooled async throws in
                // A client with the wrong password, then one the database refuses because the pool's is wrong.
                var wrong = pooled
                wrong.password = wrongClient
                let refused = await #expect(throws: (any Error).self) { try await PoolHarness.withConnection(wrong) { _ in } }
                let upstreamRefused = await #expect(throws: (any Error).self) { try await PoolHarness.withConnection(pooled) { _ in } }
                let said = [refused, upstreamRefused].compactMap { $0.flatMap(PoolHarness.message) }
                #expect(said.count == 2)
                let stats = String(describing: await pool.stats())
                for secret in [wrongUpstream, wrongClient, real.password] {
                    #expect(!said.contains { $0.contains(secret) }, "an error names a password")
                    #expect(!captured.messages.contains { $0.contains(secret) }, "the log names a password")
                    #expect(!stats.contains(secret), "the stats name a password")
                }
                #expect(!captured.messages.isEmpty)
            }
        }
    }
}
