import Foundation
import PostgresPool
import Testing

@Suite("SQL over HTTP: through the pool")
struct ConcurrencyTests {
    @Test("many concurrent HTTP clients share a few server connections without errors")
    func manyClientsFewConnections() async throws {
        try await EndpointHarness.with(maxServerConnections: 3) { endpoint in
            let statuses = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
                for index in 0..<80 {
                    group.addTask {
                        let reply = try await endpoint.post(
                            ["query": "SELECT $1::int AS i, pg_sleep(0.005) IS NULL AS slept", "params": [index]])
                        return (reply.status, (reply.rows.first as? [String: Any])?["i"] as? Int)
                    }
                }
                return try await group.reduce(into: [(Int, Int?)]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0.0 == 200 }, "\(statuses.filter { $0.0 != 200 })")
            #expect(Set(statuses.compactMap(\.1)) == Set(0..<80))
            let stats = await endpoint.pool.stats()
            #expect(stats.serverConnections.peak <= 3)
            #expect(stats.errors.acquireTimeout == 0)
        }
    }

    @Test("the pool's wait timeout applies to HTTP requests and comes back with its SQLSTATE")
    func poolWaitTimeout() async throws {
        try await EndpointHarness.with(maxServerConnections: 1, acquireTimeout: .milliseconds(300)) { endpoint in
            // Opening the one server connection (a SCRAM login to PostgreSQL) may take
            // longer than the wait timeout on a loaded machine: ask until it is open.
            var opened = false
            for _ in 0..<50 where !opened {
                opened = try await endpoint.post(["query": "SELECT 1"]).status == 200
            }
            #expect(opened, "the one server connection opens")
            async let long = endpoint.post(["query": "SELECT pg_sleep(3)"])
            var busy = 0
            for _ in 0..<500 where busy == 0 {
                busy = await endpoint.pool.stats().serverConnections.active
                if busy == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(busy == 1)
            let waited = try await endpoint.post(["query": "SELECT 1"])
            #expect(waited.status == 400)
            #expect(waited.json["code"] as? String == "08P01")
            #expect((waited.json["message"] as? String)?.contains("no server connection available") == true)
            let slept = try await long
            #expect(slept.status == 200, "\(slept.text)")
        }
    }
}
