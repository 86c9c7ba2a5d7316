import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Random and mutated messages at the decoder; the pool must keep serving.
    @Suite struct Fuzz {
        static let validMessages: [[UInt8]] = [
            Wire.query("SELECT 1"),
            Wire.query("BEGIN; SELECT 2"),
            Wire.extendedQuery("SELECT $1::int", parameter: "7"),
            Wire.message("H", []),
            Wire.message("S", []),
            Wire.message("C", [UInt8(ascii: "S")] + Wire.cString("")),
            Wire.message("d", Array("row\n".utf8)),
            Wire.message("c", []),
            Wire.message("f", Wire.cString("nope")),
        ]

        static func mutate(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
            var bytes = bytes
            switch Int.random(in: 0..<5, using: &random) {
            case 0:  // flip some bytes
                for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 1:  // truncate
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            case 2:  // corrupt the length
                if bytes.count >= 5 {
                    let length = Wire.int32(Int32.random(in: Int32.min...Int32.max, using: &random))
                    bytes.replaceSubrange(1..<5, with: length)
                }
            case 3:  // append random bytes
                bytes += (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:  // change the type
                if !bytes.isEmpty { bytes[0] = UInt8.random(in: 0...127, using: &random) }
            }
            return bytes
        }

        @Test func randomAndMutatedMessages() async throws {
            try await PoolHarness.withPool({
                $0.clientAuthentication = .trust
                $0.maxServerConnections = 2
            }) { pool, pooled async throws in
                let run = FuzzRun(seed: 0x5EED_2026, iterations: 120)
                var random = SeededGenerator(seed: run.seed)
                for round in 0..<run.iterations {
                    guard let raw = try? RawConnection(port: pooled.port, timeoutSeconds: 1) else {
                        Issue.record("round \(round): could not connect")
                        continue
                    }
                    var bytes: [UInt8] = []
                    switch round % 3 {
                    case 0:  // random bytes instead of a startup packet
                        bytes = (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                        raw.send(bytes)
                    case 1:  // a mutated startup packet
                        bytes = Self.mutate(Wire.startup([("user", "app"), ("database", "app")]), using: &random)
                        raw.send(bytes)
                    default:  // log in, then valid and mutated messages
                        guard (try? raw.login(user: "app", database: "app")) != nil else {
                            Issue.record("round \(round): login failed")
                            continue
                        }
                        for _ in 0..<Int.random(in: 1...4, using: &random) {
                            let message = Self.validMessages.randomElement(using: &random)!
                            bytes += Bool.random(using: &random) ? Self.mutate(message, using: &random) : message
                        }
                        raw.send(bytes)
                    }
                    // Take whatever comes back within a moment, then vanish.
                    _ = raw.readMessage()
                    raw.close()
                }
                try BadInput.expectServing(pooled.port)
                try await PoolHarness.withConnection(pooled) { connection async throws in
                    #expect(try await PoolHarness.strings(connection, "SELECT 'alive'::text") == ["alive"])
                }
                try await Cleanup.waitUntil {
                    let stats = await pool.stats()
                    return stats.clientConnections.active == 0 && stats.serverConnections.active == 0
                }
                let stats = await pool.stats()
                #expect(stats.serverConnections.peak <= 2)
                #expect(stats.errors.protocol > 0)
                print("fuzz pool messages: \(run), \(stats.errors.protocol) protocol errors, pool serving after")
            }
        }
    }
}
