import Foundation
@testable import FunctionDatabase
import NIOCore
import PostgresNIO
import TestSupport
import Testing

/// The function SDK's HTTP transport against the real endpoint: rows must
/// decode as they do over a PostgreSQL connection, parameters arrive as sent.
@Suite("SQL over HTTP: the function SDK")
struct SDKTransportTests {
    struct Payload: Codable, Equatable, PostgresCodable {
        var name: String
        var tags: [String]
    }

    static let columns: DatabaseQuery = """
        SELECT 7::int2, 70000::int4, 9007199254740993::int8, 1.5::float4, 2.25::float8, true, 'text'::text,
               'varchar'::varchar, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '2024-02-29'::date,
               '2024-05-06 07:08:09.123456'::timestamp, '1999-12-31 23:59:59.5-03:30'::timestamptz, '\\x00ff7f'::bytea,
               '{"name": "n", "tags": ["a", "b"]}'::jsonb, ARRAY[1, 2, 3]::int4[], ARRAY['x', 'y z', 'q"uote']::text[],
               ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']::uuid[], 12.345::numeric, NULL::text, ARRAY[true, false],
               '1900-01-01 00:00:00+00'::timestamptz
        """

    @Test("rows decode the same over HTTP as over a PostgreSQL connection")
    func sameDecoding() async throws {
        try await EndpointHarness.with { endpoint in
            let overHTTP = try await Self.transport(endpoint).query(Self.columns)
            let settings = try ConnectionSettings(url: endpoint.connectionString)
            let postgres = try await Connector.connect(settings)
            let overTCP = try await DatabaseConnection(postgres: postgres, settings: settings).query(Self.columns)
            try? await postgres.close()
            for rows in [overHTTP, overTCP] {
                let row = try #require(rows.first)
                let (a, b, c, d, e, f, g, h, i, j) = try row.decode(
                    (Int16, Int32, Int64, Float, Double, Bool, String, String, UUID, Date).self)
                #expect((a, b, c, d, e, f) == (7, 70000, 9_007_199_254_740_993, 1.5, 2.25, true))
                #expect((g, h) == ("text", "varchar"))
                #expect(i == UUID(uuidString: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
                #expect(Self.seconds(j) == 1_709_164_800)
                let rest = Array(row.dropFirst(10))
                #expect(Self.seconds(try rest[0].decode(Date.self)) == 1_714_979_289.123456)
                #expect(Self.seconds(try rest[1].decode(Date.self)) == 946_697_399.5)
                #expect(try rest[2].decode(ByteBuffer.self) == ByteBuffer(bytes: [0, 255, 127]))
                #expect(try rest[3].decode(Payload.self) == Payload(name: "n", tags: ["a", "b"]))
                #expect(try rest[4].decode([Int32].self) == [1, 2, 3])
                #expect(try rest[5].decode([String].self) == ["x", "y z", "q\"uote"])
                #expect(try rest[6].decode([UUID].self) == [UUID(uuidString: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")!])
                #expect(try rest[7].decode(Decimal.self) == Decimal(string: "12.345"))
                #expect(try rest[8].decode(String?.self) == nil)
                #expect(try rest[9].decode([Bool].self) == [true, false])
                #expect(Self.seconds(try rest[10].decode(Date.self)) == -2_208_988_800)
                #expect(row[0].columnName == overTCP[0][0].columnName)
            }
            #expect(overHTTP[0].count == overTCP[0].count)
        }
    }

    @Test("interpolated values of the common types reach the database as sent")
    func parameters() async throws {
        try await EndpointHarness.with { endpoint in
            let uuid = UUID()
            let date = Date(timeIntervalSince1970: 1_714_979_289.25)
            let bytes = ByteBuffer(bytes: [0, 1, 254, 255])
            let payload = Payload(name: "p", tags: ["t"])
            let nothing: String? = nil
            let query: DatabaseQuery = try """
                SELECT \(42)::int8, \(2.5)::float8, \(true)::bool, \("it's \"q\"")::text, \(uuid)::uuid,
                       \(date)::timestamptz, \(bytes)::bytea, \([1, 2, 3])::int8[], \(["a b", "c\"d"])::text[],
                       \(Decimal(string: "1.25")!)::numeric, \(nothing)::text, \(payload)::jsonb
                """
            let row = try #require(try await Self.transport(endpoint).query(query).first)
            let (a, b, c, d, e, f) = try row.decode((Int, Double, Bool, String, UUID, Date).self)
            #expect((a, b, c, d) == (42, 2.5, true, "it's \"q\""))
            #expect(e == uuid)
            #expect(Self.seconds(f) == 1_714_979_289.25)
            let rest = Array(row.dropFirst(6))
            #expect(try rest[0].decode(ByteBuffer.self) == bytes)
            #expect(try rest[1].decode([Int].self) == [1, 2, 3])
            #expect(try rest[2].decode([String].self) == ["a b", "c\"d"])
            #expect(try rest[3].decode(Decimal.self) == Decimal(string: "1.25"))
            #expect(try rest[4].decode(String?.self) == nil)
            #expect(try rest[5].decode(Payload.self) == payload)
        }
    }

    @Test("the database's errors come back as DatabaseError.server with the SQLSTATE")
    func errors() async throws {
        try await EndpointHarness.with { endpoint in
            await #expect(throws: DatabaseError.server(sqlState: "22012", message: "division by zero")) {
                try await Self.transport(endpoint).query("SELECT 1 / \(0)")
            }
            let unreachable = HTTPTransport(
                endpoint: try HTTPEndpointURL("http://127.0.0.1:1/sql"), connectionString: endpoint.connectionString)
            await #expect(throws: DatabaseError.self) { try await unreachable.query("SELECT 1") }
        }
    }

    /// Seconds since 1970 to the microsecond, as PostgreSQL keeps them.
    private static func seconds(_ date: Date) -> Double {
        (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000
    }

    private static func transport(_ endpoint: EndpointHarness) throws -> HTTPTransport {
        HTTPTransport(endpoint: try HTTPEndpointURL(endpoint.url.absoluteString), connectionString: endpoint.connectionString)
    }
}
