import Foundation
import TestSupport
import Testing

@Suite("SQL over HTTP: batches")
struct BatchTests {
    @Test("a batch runs in one transaction and commits: every statement's result, in order")
    func batchCommits() async throws {
        try await EndpointHarness.with { endpoint in
            let table = try await endpoint.makeTable("id int PRIMARY KEY, name text")
            let reply = try await endpoint.post(["queries": [
                ["query": "INSERT INTO \(table) VALUES ($1, $2)", "params": [1, "one"]],
                ["query": "INSERT INTO \(table) VALUES ($1, $2)", "params": [2, "two"]],
                ["query": "SELECT count(*)::int AS n FROM \(table)"],
            ]])
            #expect(reply.status == 200, "\(reply.text)")
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect(results.count == 3)
            #expect(results[0]["command"] as? String == "INSERT")
            #expect(((results[2]["rows"] as? [[String: Any]])?.first?["n"]) as? Int == 2)
            let stored = try await psql("SELECT string_agg(name, ',' ORDER BY id) FROM \(table)", credentials: endpoint.database)
            #expect(stored == "one,two")
        }
    }

    @Test("a statement failing mid-batch rolls the whole batch back and answers its SQLSTATE")
    func failingBatchLeavesNothing() async throws {
        try await EndpointHarness.with { endpoint in
            let table = try await endpoint.makeTable("id int PRIMARY KEY")
            let reply = try await endpoint.post(["queries": [
                ["query": "INSERT INTO \(table) VALUES (1)"],
                ["query": "INSERT INTO \(table) VALUES (2)"],
                ["query": "INSERT INTO \(table) VALUES (1)"],
                ["query": "INSERT INTO \(table) VALUES (3)"],
            ]])
            #expect(reply.status == 400)
            #expect(reply.json["code"] as? String == "23505")
            #expect(reply.json["constraint"] as? String == "\(table)_pkey")
            #expect((reply.json["detail"] as? String)?.contains("(id)=(1)") == true)
            let count = try await psql("SELECT count(*) FROM \(table)", credentials: endpoint.database)
            #expect(count == "0")
            // The connection went back clean: the next request works.
            let next = try await endpoint.post(["query": "SELECT 1 AS one"])
            #expect(next.status == 200)
        }
    }

    @Test("isolation level, read-only and deferrable headers shape the batch's transaction")
    func transactionOptions() async throws {
        try await EndpointHarness.with { endpoint in
            let table = try await endpoint.makeTable("id int")
            let headers = [
                "Neon-Batch-Isolation-Level": "Serializable", "Neon-Batch-Read-Only": "true", "Neon-Batch-Deferrable": "true",
            ]
            let settings = try await endpoint.post(["queries": [
                ["query": "SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro, current_setting('transaction_deferrable') AS d"],
            ]], headers: headers)
            #expect(settings.status == 200, "\(settings.text)")
            let row = try #require(((settings.json["results"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first)
            #expect(row["iso"] as? String == "serializable")
            #expect(row["ro"] as? String == "on")
            #expect(row["d"] as? String == "on")
            #expect(settings.headers["Neon-Batch-Isolation-Level"] == "Serializable")

            let write = try await endpoint.post(
                ["queries": [["query": "INSERT INTO \(table) VALUES (1)"]]], headers: ["Neon-Batch-Read-Only": "true"])
            #expect(write.status == 400)
            #expect(write.json["code"] as? String == "25006")
        }
    }
}
