import Foundation

/// A storm the dashboard asks for with `POST /_emulator/storm`:
/// `{"method": "GET", "path": "/users", "concurrency": 50, "requests": 500, "compare": false}`.
public struct StormRequest: Sendable, Equatable {
    /// The HTTP method, upper case (default `GET`).
    public var method: String
    /// The path, starting with `/`.
    public var path: String
    /// Concurrent callers.
    public var concurrency: Int
    /// Requests in total (per mode with `compare`).
    public var requests: Int
    /// Run the load pooled, then direct (default `false`).
    public var compare: Bool

    /// The largest storm the page may start.
    static let maximumConcurrency = 5000
    static let maximumRequests = 1_000_000

    /// Why a body is not a storm request: the message of the 400 answer.
    struct Invalid: Error {
        let message: String
    }

    /// Reads and checks a request body.
    init(json body: Data) throws(Invalid) {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: body)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(message: #"expected a JSON object such as {"method": "GET", "path": "/users", "concurrency": 50, "requests": 500, "compare": false}"#)
        }
        let method = fields.method ?? "GET"
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw Invalid(message: "\"method\" must be an HTTP method such as \"GET\"")
        }
        guard let path = fields.path, path.hasPrefix("/"),
              path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Invalid(message: "\"path\" must be a path starting with /, without spaces")
        }
        self.method = method.uppercased()
        self.path = path
        concurrency = try Self.check(fields.concurrency, "concurrency", maximum: Self.maximumConcurrency)
        requests = try Self.check(fields.requests, "requests", maximum: Self.maximumRequests)
        compare = fields.compare ?? false
    }

    private static func check(_ value: Int?, _ key: String, maximum: Int) throws(Invalid) -> Int {
        guard let value, (1...maximum).contains(value) else {
            throw Invalid(message: "\"\(key)\" must be a whole number from 1 to \(maximum)")
        }
        return value
    }

    /// The body's members, each of its own JSON type; unknown keys are refused.
    private struct Fields: Decodable {
        var method: String?
        var path: String?
        var concurrency: Int?
        var requests: Int?
        var compare: Bool?

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let known = ["method", "path", "concurrency", "requests", "compare"]
            if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
                throw Invalid(message: "unknown key \"\(unknown)\"; a storm takes method, path, concurrency, requests and compare")
            }
            func field<T: Decodable>(_ name: String, _ type: T.Type, _ expected: String) throws -> T? {
                do { return try container.decodeIfPresent(type, forKey: Key(stringValue: name)) } catch {
                    throw Invalid(message: "\"\(name)\" must be \(expected)")
                }
            }
            method = try field("method", String.self, "an HTTP method such as \"GET\"")
            path = try field("path", String.self, "a path starting with /")
            concurrency = try field("concurrency", Int.self, "a whole number from 1 to \(StormRequest.maximumConcurrency)")
            requests = try field("requests", Int.self, "a whole number from 1 to \(StormRequest.maximumRequests)")
            compare = try field("compare", Bool.self, "true or false")
        }
    }

    var json: [String: Any] {
        ["method": method, "path": path, "concurrency": concurrency, "requests": requests, "compare": compare]
    }
}
