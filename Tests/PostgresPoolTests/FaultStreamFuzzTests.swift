import PostgresPool
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Whole message streams of real conversations, mutated message by message (dropped,
    /// repeated, swapped, corrupted): the pool answers or closes, and serves afterwards.
    @Suite struct FaultStreamFuzz {
        /// Conversations a driver really has, one message per element.
        static let conversations: [[[UInt8]]] = [
            [Wire.parse("s1", "SELECT $1::int + 1"), Wire.bind("s1", ["41"]), Wire.describe("P", ""), Wire.execute, Wire.sync],
            [Wire.query("BEGIN"), Wire.query("SELECT 1"), Wire.query("COMMIT")],
            [Wire.query("CREATE TEMP TABLE IF NOT EXISTS fuzz_copy (t text)"), Wire.query("COPY fuzz_copy FROM STDIN"),
             Wire.message("d", Array("a\n".utf8)), Wire.message("d", Array("b\n".utf8)), Wire.message("c", [])],
            [Wire.parse("", "SELECT generate_series(1, $1::int)"), Wire.bind("", ["3"]), Wire.execute,
             Wire.close("S", ""), Wire.sync],
            [Wire.parse("s2", "SELECT 'x'"), Wire.describe("S", "s2"), Wire.message("H", []), Wire.close("S", "s2"), Wire.sync],
        ]

        static func mutate(_ conversation: [[UInt8]], using random: inout SeededGenerator) -> [UInt8] {
            var messages = conversation
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<messages.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0 where messages.count > 1: messages.remove(at: index)
                case 1: messages.insert(messages[index], at: index)
                case 2: messages.swapAt(index, Int.random(in: 0..<messages.count, using: &random))
                case 3: messages.insert(conversations.randomElement(using: &random)!.randomElement(using: &random)!, at: index)
                default: messages[index] = Fuzz.mutate(messages[index], using: &random)
                }
            }
            return messages.flatMap { $0 }
        }

        @Test func mutatedConversationsAreAnsweredOrClosed() async throws {
            try await PoolHarness.withPool({
                $0.clientAuthentication = .trust
                $0.maxServerConnections = 2
            }) { pool, pooled async throws in
                let run = FuzzRun(seed: 0xFA17_2026, iterations: 40)
                var random = SeededGenerator(seed: run.seed)
                var answered = 0
                var closed = 0
                for _ in 0..<run.iterations {
                    let raw = try RawConnection(port: pooled.port, timeoutSeconds: 2)
                    _ = try raw.login(user: "app", database: "app")
                    let conversation = Self.conversations.randomElement(using: &random)!
                    // End with a Sync and a marker query: a pool still in step answers the marker.
                    raw.send(Self.mutate(conversation, using: &random) + Wire.sync + Wire.query("SELECT 'in step'"))
                    var sawMarker = false
                    while let message = raw.readMessage() {
                        if [message].firstColumns == ["in step"] { sawMarker = true }
                        if sawMarker && message.type == UInt8(ascii: "Z") { break }
                    }
                    if sawMarker { answered += 1 }
                    if raw.closedByPeer { closed += 1 }
                    raw.close()
                }
                #expect(answered > 0 && closed > 0, "answered \(answered), closed \(closed)")
                try await Cleanup.waitUntil {
                    let stats = await pool.stats()
                    return stats.clientConnections.active == 0 && stats.serverConnections.active == 0
                }
                // Every server connection left behind is in step: a burst of clients is served.
                for round in 0..<6 {
                    #expect(try await psql("SELECT \(round)", credentials: pooled) == "\(round)")
                }
                #expect(await pool.stats().serverConnections.peak <= 2)
                print("fuzz pool conversations: \(run), \(answered) answered in step, \(closed) closed by the pool")
            }
        }
    }
}
