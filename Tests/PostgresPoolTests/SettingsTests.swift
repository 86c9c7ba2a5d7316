import PostgresNIO
import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// The pool's settings step (the `SET`s that give a server connection a client's startup
    /// settings) runs once per link, never undoes the client's own `SET`, and swallows nothing else.
    @Suite struct Settings {
        @Test func clientsOwnSettingsStand() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                try await PoolHarness.withConnection(pooled, applicationName: "psql") { connection async throws in
                    _ = try await connection.query("BEGIN", logger: PoolHarness.logger)
                    _ = try await connection.query("SET LOCAL TimeZone = 'Asia/Tokyo'", logger: PoolHarness.logger)
                    #expect(try await PoolHarness.strings(connection, "SHOW TimeZone") == ["Asia/Tokyo"])
                    _ = try await connection.query("COMMIT", logger: PoolHarness.logger)
                    _ = try await connection.query("SET application_name = 'mine'", logger: PoolHarness.logger)
                    #expect(try await PoolHarness.strings(connection, "SHOW application_name") == ["mine"])
                    // Still the client's own in its next transactions.
                    #expect(try await PoolHarness.strings(connection, "SHOW application_name") == ["mine"])
                }
                // The next client with the same startup settings gets those, not the last client's SET.
                try await PoolHarness.withConnection(pooled, applicationName: "psql") { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SHOW application_name") == ["psql"])
                }
            }
        }

        @Test func pipelinedRepliesAreNotSwallowed() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                _ = try raw.login(user: "app", database: "app", extra: [("application_name", "pipeliner")])
                raw.send(Wire.query("SET application_name = 'x'") + Wire.query("SELECT pg_sleep(0.5), 'two'"))
                raw.send(Wire.query("SELECT 'three'"))
                var replies: [RawMessage] = []
                for _ in 0..<3 { replies += try #require(raw.read(until: "Z")) }
                let tags = replies.filter { $0.type == UInt8(ascii: "C") }.map { String(decoding: $0.body.dropLast(), as: UTF8.self) }
                #expect(tags == ["SET", "SELECT 1", "SELECT 1"], "\(replies)")
                #expect(replies.filter { $0.type == UInt8(ascii: "D") }.count == 2)
            }
        }

        @Test func abortedTransactionKeepsSharedSettings() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1; $0.clientAuthentication = .trust }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                _ = try raw.login(user: "app", database: "app", extra: [("application_name", "shared")])
                // A SET that sticks, then an aborted transaction, sent together.
                raw.send(Wire.query("SET application_name = 'changed'") + Wire.query("BEGIN") + Wire.query("SELECT 1/0"))
                for _ in 0..<3 { _ = try #require(raw.read(until: "Z")) }
                raw.send(Wire.query("SELECT 1"))
                let aborted = try #require(raw.read(until: "Z"))
                #expect(aborted.firstSQLState == "25P02")
                #expect(!aborted.contains { $0.type == UInt8(ascii: "N") }, "\(aborted)")
                raw.send(Wire.query("ROLLBACK"))
                _ = try #require(raw.read(until: "Z"))
                // Another client with the same startup settings (the same shared set) still gets them.
                let other = try RawConnection(port: pooled.port)
                _ = try other.login(user: "app", database: "app", extra: [("application_name", "shared")])
                other.send(Wire.query("SHOW application_name"))
                let shown = try #require(other.read(until: "Z"))
                let row = try #require(shown.first { $0.type == UInt8(ascii: "D") })
                #expect(String(decoding: row.body.suffix(6), as: UTF8.self) == "shared")
                raw.send(Wire.query("SHOW application_name"))
                let own = try #require(raw.read(until: "Z"))
                let ownRow = try #require(own.first { $0.type == UInt8(ascii: "D") })
                #expect(String(decoding: ownRow.body.suffix(7), as: UTF8.self) == "changed")
            }
        }
    }
}
