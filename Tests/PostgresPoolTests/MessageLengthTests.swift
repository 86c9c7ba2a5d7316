import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Message length limits: a client that has not logged in cannot make the pool
    /// buffer large messages, and after login only statements and data may be large.
    @Suite struct MessageLengths {
        @Test func anUnauthenticatedClientCannotAnnounceAHugeMessage() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                raw.send(Wire.startup([("user", "app"), ("database", "app")]))
                #expect(raw.readMessage()?.type == UInt8(ascii: "R"))
                // A password message announcing 1 GB: refused at once, before any of it is sent.
                raw.send([UInt8(ascii: "p")] + Wire.int32(1 << 30) + Array(repeating: 0x41, count: 1024))
                let reply = raw.readUntilClosed()
                #expect(reply.firstSQLState == "08P01")
                #expect(reply.firstErrorMessage?.contains("allowed: 4 to 65535") == true)
                #expect(raw.closedByPeer)
                #expect(try await psql("SELECT 'still serving'", credentials: pooled) == "still serving")
            }
        }

        @Test func afterLoginStatementsMayBeLargeButControlMessagesMayNot() async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = .trust; $0.maxServerConnections = 1 }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                _ = try raw.login(user: "app", database: "app")
                let text = String(repeating: "x", count: 2 << 20)
                raw.send(Wire.query("SELECT length('\(text)')"))
                let rows = try #require(raw.read(until: "Z"))
                #expect(rows.firstSQLState == nil)
                #expect(rows.contains { $0.type == UInt8(ascii: "D") })

                let describe = try RawConnection(port: pooled.port)
                _ = try describe.login(user: "app", database: "app")
                describe.send([UInt8(ascii: "D")] + Wire.int32(2 << 20))
                let reply = describe.readUntilClosed()
                #expect(reply.firstSQLState == "08P01")
                #expect(reply.firstErrorMessage?.contains("allowed: 4 to 1048576") == true)
            }
        }
    }
}
