import Foundation
import NIOCore

/// `Database.shared` over SQL over HTTP: each query is one `POST` to
/// `DATABASE_HTTP_URL` in the protocol of Neon's serverless driver, with
/// `DATABASE_URL` as the `Neon-Connection-String`. No PostgreSQL connection
/// is held between queries; the endpoint runs each statement through the pool.
final class HTTPTransport: Sendable {
    private let connections: HTTPConnections
    private let connectionString: String

    init(endpoint: HTTPEndpointURL, connectionString: String) {
        connections = HTTPConnections(endpoint: endpoint)
        self.connectionString = connectionString
    }

    /// The transport for this instance: `DATABASE_HTTP_URL` and `DATABASE_URL`.
    static func fromEnvironment(_ environment: (String) -> String?) throws(DatabaseError) -> HTTPTransport {
        guard let url = environment("DATABASE_HTTP_URL"), !url.isEmpty else { throw .missingHTTPURL }
        guard let connectionString = environment("DATABASE_URL"), !connectionString.isEmpty else { throw .missingURL }
        return HTTPTransport(endpoint: try HTTPEndpointURL(url), connectionString: connectionString)
    }

    /// Runs `query` and returns its rows, decoded as a PostgreSQL connection's would be.
    func query(_ query: DatabaseQuery) async throws -> [DatabaseRow] {
        var parameters: [Any] = []
        for parameter in query.parameters {
            parameters.append(try TextParameter.text(parameter) ?? NSNull())
        }
        let body = try JSONSerialization.data(withJSONObject: ["query": query.sql, "params": parameters])
        let answer = try await connections.post(ByteBuffer(bytes: body), headers: [
            ("Content-Type", "application/json"),
            ("Neon-Connection-String", connectionString),
            ("Neon-Raw-Text-Output", "true"),
            ("Neon-Array-Mode", "true"),
        ])
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView))) as? [String: Any]
        guard answer.status == .ok else { throw Self.error(answer, object) }
        guard let object, let fields = object["fields"] as? [[String: Any]], let rows = object["rows"] as? [[Any]] else {
            throw DatabaseError.client(reason: "the SQL-over-HTTP endpoint answered something other than a result")
        }
        let columns = fields.map { field in
            (name: field["name"] as? String ?? "", type: (field["dataTypeID"] as? NSNumber)?.uint32Value ?? 0)
        }
        return rows.map { row in
            DatabaseRow(cells: zip(columns, row).enumerated().map { index, pair in
                TextCell.cell(pair.1 as? String, type: pair.0.type, name: pair.0.name, index: index)
            })
        }
    }

    /// The error of a failed request: the database's, with its SQLSTATE, when it sent one.
    private static func error(_ answer: HTTPAnswer, _ object: [String: Any]?) -> DatabaseError {
        let message = object?["message"] as? String ?? String(buffer: answer.body)
        if let code = object?["code"] as? String, !code.isEmpty {
            return .server(sqlState: code, message: message)
        }
        return .client(reason: "SQL over HTTP answered \(answer.status.code): \(message)")
    }
}
