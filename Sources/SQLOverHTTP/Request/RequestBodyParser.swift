import Foundation

/// Reads a request body into a ``SQLRequest``, with a message naming what is
/// wrong when it is not one.
enum RequestBodyParser {
    static func parse(_ body: [UInt8]) throws(RequestError) -> SQLRequest {
        let value: JSONInput
        do {
            value = try JSONDecoder().decode(JSONInput.self, from: Data(body))
        } catch {
            throw .malformedJSON(Self.reason(error))
        }
        guard case .object(let members) = value else {
            throw .badBody("expected a JSON object with \"query\" or \"queries\", got \(value.kind)")
        }
        if let queries = members["queries"] {
            guard members["query"] == nil else { throw .badBody("give \"query\" or \"queries\", not both") }
            guard case .array(let elements) = queries else {
                throw .badBody("\"queries\" must be an array of {\"query\": ..., \"params\": [...]}, got \(queries.kind)")
            }
            var statements: [Statement] = []
            for (index, element) in elements.enumerated() {
                guard case .object(let statement) = element else {
                    throw .badBody("queries[\(index)] must be an object with \"query\", got \(element.kind)")
                }
                statements.append(try Self.statement(statement, at: "queries[\(index)]."))
            }
            return .batch(statements)
        }
        return .single(try statement(members, at: ""))
    }

    private static func statement(_ members: [String: JSONInput], at path: String) throws(RequestError) -> Statement {
        guard let query = members["query"] else { throw .badBody("missing \"\(path)query\": the SQL to run") }
        guard case .string(let sql) = query else { throw .badBody("\"\(path)query\" must be a string, got \(query.kind)") }
        var parameters: [String?] = []
        switch members["params"] {
        case nil, .null?:
            break
        case .array(let values)?:
            parameters = values.map(\.parameterText)
        case let other?:
            throw .badBody("\"\(path)params\" must be an array, got \(other.kind)")
        }
        guard parameters.count <= Int(Int16.max) else {
            throw .badBody("\"\(path)params\" has \(parameters.count) values; PostgreSQL takes at most \(Int16.max)")
        }
        var arrayMode: Bool?
        switch members["arrayMode"] {
        case nil, .null?: break
        case .bool(let value)?: arrayMode = value
        case let other?: throw .badBody("\"\(path)arrayMode\" must be a boolean, got \(other.kind)")
        }
        return Statement(query: sql, parameters: parameters, arrayMode: arrayMode)
    }

    private static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        default:
            return "\(error)"
        }
    }
}
