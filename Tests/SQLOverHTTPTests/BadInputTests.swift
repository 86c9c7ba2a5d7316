import Foundation
import Testing

@Suite("SQL over HTTP: bad input")
struct BadInputTests {
    @Test("malformed JSON, a missing query and misshapen members are 400s naming the problem")
    func malformedBodies() async throws {
        try await EndpointHarness.with { endpoint in
            let broken = try await endpoint.post(Data(#"{"query": "SELECT 1""#.utf8))
            #expect(broken.status == 400)
            #expect((broken.json["message"] as? String)?.hasPrefix("could not parse the HTTP request body") == true)
            #expect(broken.json["code"] == nil)

            let missing = try await endpoint.post(["params": [1]])
            #expect(missing.status == 400)
            #expect((missing.json["message"] as? String)?.contains("missing \"query\"") == true)

            let notArray = try await endpoint.post(["query": "SELECT $1", "params": "1"])
            #expect(notArray.status == 400)
            #expect((notArray.json["message"] as? String)?.contains("\"params\" must be an array") == true)

            let badBatch = try await endpoint.post(["queries": [["sql": "SELECT 1"]]])
            #expect(badBatch.status == 400)
            #expect((badBatch.json["message"] as? String)?.contains("missing \"queries[0].query\"") == true)

            let notObject = try await endpoint.post(Data("[1, 2]".utf8))
            #expect(notObject.status == 400)
        }
    }

    @Test("a wrong number or type of parameters is the database's own error, with its SQLSTATE")
    func wrongParameters() async throws {
        try await EndpointHarness.with { endpoint in
            let count = try await endpoint.post(["query": "SELECT $1::int + $2::int AS sum", "params": [1]])
            #expect(count.status == 400)
            #expect(count.json["code"] as? String == "08P01")
            #expect((count.json["message"] as? String)?.contains("supplies 1 parameters") == true)

            let type = try await endpoint.post(["query": "SELECT $1::int AS i", "params": ["one"]])
            #expect(type.status == 400)
            #expect(type.json["code"] as? String == "22P02")
            #expect(type.json["severity"] as? String == "ERROR")

            let syntax = try await endpoint.post(["query": "SELEC 1"])
            #expect(syntax.json["code"] as? String == "42601")
            #expect(syntax.json["position"] as? String == "1")

            let two = try await endpoint.post(["query": "SELECT 1; SELECT 2"])
            #expect(two.json["code"] as? String == "42601")

            // Each error left the kept connection usable.
            let next = try await endpoint.post(["query": "SELECT $1::int AS i", "params": [5]])
            #expect((next.rows.first as? [String: Any])?["i"] as? Int == 5)
        }
    }

    @Test("a request over the size limit is 413, a result over it 507, both without harm to the next request")
    func sizeLimits() async throws {
        try await EndpointHarness.with(maxRequestBytes: 4096, maxResponseBytes: 64 * 1024) { endpoint in
            let big = try await endpoint.post(["query": "SELECT $1::text", "params": [String(repeating: "x", count: 5000)]])
            #expect(big.status == 413)
            #expect(big.json["message"] as? String == "request is too large (max is 4096 bytes)")

            let many = try await endpoint.post(["query": "SELECT repeat('y', 1000) FROM generate_series(1, 1000)"])
            #expect(many.status == 507)
            #expect(many.json["message"] as? String == "response is too large (max is 65536 bytes)")

            let small = try await endpoint.post(["query": "SELECT repeat('y', 10) AS y FROM generate_series(1, 10)"])
            #expect(small.status == 200)
            #expect(small.rows.count == 10)
        }
    }

    @Test("connection string, credentials, headers, method and path are checked")
    func requestShape() async throws {
        try await EndpointHarness.with { endpoint in
            let noHeader = try await endpoint.post(["query": "SELECT 1"], connectionString: "")
            #expect(noHeader.status == 400)

            let notURL = try await endpoint.post(["query": "SELECT 1"], connectionString: "mysql://a:b@h/db")
            #expect((notURL.json["message"] as? String)?.contains("incorrect scheme") == true)

            let wrongPassword = endpoint.connectionString.replacingOccurrences(
                of: ":\(endpoint.database.password)@", with: ":wrong@")
            let denied = try await endpoint.post(["query": "SELECT 1"], connectionString: wrongPassword)
            #expect(denied.status == 400)
            #expect(denied.json["code"] as? String == "28P01")

            let isolation = try await endpoint.post(
                ["queries": [["query": "SELECT 1"]]], headers: ["Neon-Batch-Isolation-Level": "Snapshot"])
            #expect(isolation.status == 400)
            #expect((isolation.json["message"] as? String)?.contains("invalid isolation level") == true)

            let get = try await endpoint.post(Data(), method: "GET")
            #expect(get.status == 405)
            let elsewhere = try await endpoint.post(["query": "SELECT 1"], path: "/query")
            #expect(elsewhere.status == 404)
        }
    }

    @Test("a statement that leaves a transaction open does not keep its connection: the pool rolls it back")
    func openTransactionIsNotKept() async throws {
        try await EndpointHarness.with { endpoint in
            let table = try await endpoint.makeTable("id int")
            #expect(try await endpoint.post(["query": "BEGIN"]).status == 200)
            // The endpoint closed that connection instead of keeping it in a
            // transaction, so the pool rolled back and took its server connection back.
            var active = 1
            for _ in 0..<500 where active > 0 {
                active = await endpoint.pool.stats().serverConnections.active
                if active > 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(active == 0)
            #expect(try await endpoint.post(["query": "INSERT INTO \(table) VALUES (1)"]).status == 200)
            let count = try await endpoint.post(["query": "SELECT count(*)::int AS n FROM \(table)"])
            #expect((count.rows.first as? [String: Any])?["n"] as? Int == 1)
        }
    }
}
