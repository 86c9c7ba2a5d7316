import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Bad bytes get a PostgreSQL ErrorResponse (where the protocol allows one) and a
    /// closed connection; the pool keeps serving everyone else.
    @Suite struct BadInput {
        /// Sends `bytes` on a fresh connection (after logging in when `loggedIn`), returns
        /// what came back before the pool closed the connection.
        static func exchange(port: Int, loggedIn: Bool = false, _ bytes: [UInt8]) throws -> [RawMessage] {
            let raw = try RawConnection(port: port)
            if loggedIn { _ = try raw.login(user: "app", database: "app") }
            raw.send(bytes)
            let reply = raw.readUntilClosed()
            #expect(raw.closedByPeer, "the pool should close the connection")
            return reply
        }

        /// The pool still answers queries (through its one server connection).
        static func expectServing(_ port: Int) throws {
            let raw = try RawConnection(port: port)
            _ = try raw.login(user: "app", database: "app")
            raw.send(Wire.query("SELECT 'still serving'"))
            let reply = try #require(raw.read(until: "Z"))
            #expect(reply.firstSQLState == nil)
            #expect(reply.contains { $0.type == UInt8(ascii: "D") })
        }

        static func withTrustPool(_ body: (PostgresPool, Int) async throws -> Void) async throws {
            try await PoolHarness.withPool({ $0.clientAuthentication = .trust; $0.maxServerConnections = 1 }) { pool, pooled async throws in
                try await body(pool, pooled.port)
            }
        }

        @Test func garbageBeforeStartup() async throws {
            try await Self.withTrustPool { pool, port async throws in
                let reply = try Self.exchange(port: port, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                #expect(reply.firstSQLState == "08P01")
                #expect(reply.firstErrorMessage?.contains("startup packet") == true)
                try Self.expectServing(port)
                #expect(await pool.stats().errors.protocol == 1)
            }
        }

        @Test func startupPacketTooLongOrTooShort() async throws {
            try await Self.withTrustPool { _, port async throws in
                let huge = try Self.exchange(port: port, Wire.int32(10_001) + Wire.int32(196_608))
                #expect(huge.firstSQLState == "08P01")
                let tiny = try Self.exchange(port: port, Wire.int32(4))
                #expect(tiny.firstSQLState == "08P01")
                let negative = try Self.exchange(port: port, Wire.int32(-1))
                #expect(negative.firstSQLState == "08P01")
                try Self.expectServing(port)
            }
        }

        @Test func malformedStartupPackets() async throws {
            try await Self.withTrustPool { _, port async throws in
                // No terminating NUL.
                var body = Wire.int32(196_608) + Array("user\0app".utf8)
                let unterminated = try Self.exchange(port: port, Wire.int32(Int32(body.count + 4)) + body)
                #expect(unterminated.firstSQLState == "08P01")
                // A name without a value.
                body = Wire.int32(196_608) + Array("user\0".utf8) + [0]
                let valueless = try Self.exchange(port: port, Wire.int32(Int32(body.count + 4)) + body)
                #expect(valueless.firstSQLState == "08P01")
                // SSLRequest with a wrong length.
                let ssl = try Self.exchange(port: port, Wire.int32(12) + Wire.int32(80_877_103) + Wire.int32(0))
                #expect(ssl.firstSQLState == "08P01")
                try Self.expectServing(port)
            }
        }

        @Test func unsupportedProtocolVersions() async throws {
            try await Self.withTrustPool { _, port async throws in
                let v2 = try Self.exchange(port: port, Wire.startup([("user", "app")], version: 2 << 16))
                #expect(v2.firstSQLState == "0A000")
                #expect(v2.firstErrorMessage?.contains("2.0") == true)
                let v4 = try Self.exchange(port: port, Wire.startup([("user", "app")], version: 4 << 16 | 1))
                #expect(v4.firstSQLState == "0A000")
                // 3.2 is negotiated down to 3.0.
                let raw = try RawConnection(port: port)
                raw.send(Wire.startup([("user", "app"), ("database", "app"), ("_pq_.future", "1")], version: 3 << 16 | 2))
                let login = try #require(raw.read(until: "Z"))
                #expect(login.first?.type == UInt8(ascii: "v"))
                #expect(login.firstSQLState == nil)
                try Self.expectServing(port)
            }
        }

        @Test func sslAndGSSEncryptionRequestsAreDeclined() async throws {
            try await Self.withTrustPool { _, port async throws in
                for request in [Wire.sslRequest, Wire.gssEncRequest] {
                    let raw = try RawConnection(port: port)
                    raw.send(request)
                    #expect(raw.readByte() == UInt8(ascii: "N"))
                    _ = try raw.login(user: "app", database: "app")
                    raw.send(Wire.query("SELECT 1"))
                    #expect(try #require(raw.read(until: "Z")).firstSQLState == nil)
                }
            }
        }

        @Test func truncatedInputThenVanishing() async throws {
            try await Self.withTrustPool { pool, port async throws in
                // Half a startup packet, then gone.
                let half = try RawConnection(port: port)
                half.send(Array(Wire.startup([("user", "app"), ("database", "app")]).prefix(9)))
                half.close()
                // Half a query after login, then gone.
                let halfQuery = try RawConnection(port: port)
                _ = try halfQuery.login(user: "app", database: "app")
                halfQuery.send(Array(Wire.query("SELECT 1").prefix(7)))
                halfQuery.close()
                try Self.expectServing(port)
                try await Cleanup.waitUntil { await pool.stats().clientConnections.active == 0 }
            }
        }

        @Test func unknownMessageTypeAfterLogin() async throws {
            try await Self.withTrustPool { _, port async throws in
                let reply = try Self.exchange(port: port, loggedIn: true, Wire.message("z", [1, 2, 3]))
                #expect(reply.firstSQLState == "08P01")
                #expect(reply.firstErrorMessage?.contains("invalid frontend message type") == true)
                // A backend-only type ('T', RowDescription) from a client.
                let backendType = try Self.exchange(port: port, loggedIn: true, Wire.message("T", [0, 0]))
                #expect(backendType.firstSQLState == "08P01")
                try Self.expectServing(port)
            }
        }

        @Test func oversizedAndUndersizedMessageLengths() async throws {
            try await Self.withTrustPool { _, port async throws in
                let oversized = try Self.exchange(port: port, loggedIn: true, [UInt8(ascii: "Q")] + Wire.int32(Int32.max))
                #expect(oversized.firstSQLState == "08P01")
                #expect(oversized.firstErrorMessage?.contains("length") == true)
                let undersized = try Self.exchange(port: port, loggedIn: true, [UInt8(ascii: "Q")] + Wire.int32(2))
                #expect(undersized.firstSQLState == "08P01")
                try Self.expectServing(port)
            }
        }

        @Test func garbageDuringAuthentication() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = 1 }) { _, pooled async throws in
                let raw = try RawConnection(port: pooled.port)
                raw.send(Wire.startup([("user", "app"), ("database", "app")]))
                let request = try #require(raw.readMessage())
                #expect(request.type == UInt8(ascii: "R"))
                // A Query instead of a SASLInitialResponse.
                raw.send(Wire.query("SELECT 1"))
                #expect(raw.readUntilClosed().firstSQLState == "08P01")

                // A SASLInitialResponse naming another mechanism.
                let other = try RawConnection(port: pooled.port)
                other.send(Wire.startup([("user", "app"), ("database", "app")]))
                _ = other.readMessage()
                let data = Array("n,,n=,r=abc".utf8)
                other.send(Wire.message("p", Wire.cString("SCRAM-SHA-1") + Wire.int32(Int32(data.count)) + data))
                #expect(other.readUntilClosed().firstSQLState == "08P01")

                // A garbled SCRAM client-first-message.
                let garbled = try RawConnection(port: pooled.port)
                garbled.send(Wire.startup([("user", "app"), ("database", "app")]))
                _ = garbled.readMessage()
                let junk = Array("xyz".utf8)
                garbled.send(Wire.message("p", Wire.cString("SCRAM-SHA-256") + Wire.int32(Int32(junk.count)) + junk))
                #expect(garbled.readUntilClosed().firstSQLState == "08P01")
                #expect(try await psql("SELECT 'fine'", credentials: pooled) == "fine")
            }
        }

        @Test func extendedProtocolErrorsDiscardUntilSync() async throws {
            try await Self.withTrustPool { pool, port async throws in
                let raw = try RawConnection(port: port)
                _ = try raw.login(user: "app", database: "app")
                // A failing statement, then more messages the server discards until Sync.
                raw.send(Wire.extendedQuery("SELECT 1/($1::int - 1)", parameter: "1"))
                let failed = try #require(raw.read(until: "Z"))
                #expect(failed.firstSQLState == "22012")
                raw.send(Wire.extendedQuery("SELECT $1::text", parameter: "after"))
                let ok = try #require(raw.read(until: "Z"))
                #expect(ok.firstSQLState == nil)
                #expect(ok.contains { $0.type == UInt8(ascii: "D") && $0.body.suffix(5) == Array("after".utf8) })
                #expect(await pool.stats().serverConnections.peak == 1)
            }
        }
    }
}
