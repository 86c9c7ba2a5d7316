import Foundation
import Testing

@Suite("SQL over HTTP: statements")
struct QueryTests {
    @Test("one statement with parameters of the common types, answered as typed JSON")
    func parametersOfCommonTypes() async throws {
        try await EndpointHarness.with { endpoint in
            let reply = try await endpoint.post([
                "query": """
                    SELECT $1::int AS i, $2::float8 AS f, $3::text AS t, $4::bool AS b, $5::text AS n,
                           $6::jsonb AS j, $7::timestamptz AS ts, $8::int[] AS a, $9::bytea AS bytes,
                           $10::text[] AS words, $11::bigint AS big
                    """,
                "params": [
                    42, 2.5, "it's \"quoted\"", true, NSNull(), ["k": [1, 2]], "2024-05-06T07:08:09.5Z", [1, 2, 3],
                    "\\x00ff10", ["a b", "c,d", "NULL", "\\\""], "9007199254740993",
                ] as [Any],
            ])
            #expect(reply.status == 200, "\(reply.text)")
            let row = try #require(reply.rows.first as? [String: Any])
            #expect(row["i"] as? Int == 42)
            #expect(row["f"] as? Double == 2.5)
            #expect(row["t"] as? String == "it's \"quoted\"")
            #expect(row["b"] as? Bool == true)
            #expect(row["n"] is NSNull)
            #expect((row["j"] as? [String: Any])?["k"] as? [Int] == [1, 2])
            #expect(row["ts"] as? String == "2024-05-06 07:08:09.5+00")
            #expect(row["a"] as? [Int] == [1, 2, 3])
            #expect(row["bytes"] as? String == "\\x00ff10")
            #expect(row["words"] as? [String] == ["a b", "c,d", "NULL", "\\\""])
            // int8 stays text, as JSON numbers cannot hold it exactly.
            #expect(row["big"] as? String == "9007199254740993")
            #expect(reply.json["command"] as? String == "SELECT")
            #expect(reply.json["rowCount"] as? Int == 1)
            #expect(reply.json["rowAsArray"] as? Bool == false)
        }
    }

    @Test("raw text and array mode, as the driver asks: every value PostgreSQL's text, fields with type OIDs")
    func rawTextArrayMode() async throws {
        try await EndpointHarness.with { endpoint in
            let reply = try await endpoint.post(
                ["query": "SELECT $1::int AS i, $2::bool AS b, NULL::text AS n, '{1,2}'::int[] AS a", "params": ["7", true]],
                headers: ["Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true"])
            #expect(reply.status == 200, "\(reply.text)")
            let row = try #require(reply.rows.first as? [Any])
            #expect(row[0] as? String == "7")
            #expect(row[1] as? String == "t")
            #expect(row[2] is NSNull)
            #expect(row[3] as? String == "{1,2}")
            #expect(reply.json["rowAsArray"] as? Bool == true)
            let fields = try #require(reply.json["fields"] as? [[String: Any]])
            #expect(fields.map { $0["name"] as? String } == ["i", "b", "n", "a"])
            #expect(fields.map { $0["dataTypeID"] as? Int } == [23, 16, 25, 1007])
            #expect(fields.allSatisfy { $0["format"] as? String == "text" })
            // A statement's own arrayMode wins over the header.
            let objects = try await endpoint.post(
                ["query": "SELECT 1 AS one", "arrayMode": false], headers: ["Neon-Array-Mode": "true"])
            #expect((objects.rows.first as? [String: Any])?["one"] as? Int == 1)
        }
    }

    @Test("commands report their name and row count; a table's columns their table and column IDs")
    func commandsAndFields() async throws {
        try await EndpointHarness.with { endpoint in
            let table = try await endpoint.makeTable("id int PRIMARY KEY, name text")
            let insert = try await endpoint.post([
                "query": "INSERT INTO \(table) SELECT g, 'n' || g FROM generate_series(1, $1::int) g", "params": [3],
            ])
            #expect(insert.json["command"] as? String == "INSERT")
            #expect(insert.json["rowCount"] as? Int == 3)
            let update = try await endpoint.post(["query": "UPDATE \(table) SET name = 'x' WHERE id > 1"])
            #expect(update.json["command"] as? String == "UPDATE")
            #expect(update.json["rowCount"] as? Int == 2)
            let select = try await endpoint.post(["query": "SELECT id, name FROM \(table) ORDER BY id"])
            #expect(select.rows.count == 3)
            let fields = try #require(select.json["fields"] as? [[String: Any]])
            #expect(fields.map { $0["columnID"] as? Int } == [1, 2])
            #expect(fields.allSatisfy { ($0["tableID"] as? Int ?? 0) > 0 })
            let create = try await endpoint.post(["query": "CREATE TEMP TABLE scratch (x int)"])
            #expect(create.json["command"] as? String == "CREATE")
            #expect(create.json["rowCount"] is NSNull)
        }
    }
}
