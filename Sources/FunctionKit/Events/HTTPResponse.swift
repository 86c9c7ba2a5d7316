#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An API Gateway HTTP API response, payload format 2.0: what a function
/// behind an HTTP route returns.
public struct HTTPResponse: Codable, Sendable, Equatable {
    /// The HTTP status, e.g. `200`.
    public var statusCode: Int
    /// Response headers.
    public var headers: [String: String]?
    /// `Set-Cookie` values, one cookie each.
    public var cookies: [String]?
    /// The body: text, or base64 when ``isBase64Encoded`` is true.
    public var body: String?
    /// Whether ``body`` is base64.
    public var isBase64Encoded: Bool?

    /// A response with a text body, e.g. `HTTPResponse(statusCode: 200, body: "hi")`.
    public init(
        statusCode: Int = 200,
        headers: [String: String]? = nil,
        cookies: [String]? = nil,
        body: String? = nil,
        isBase64Encoded: Bool? = nil
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// A response with binary content, sent base64-encoded.
    public init(statusCode: Int = 200, headers: [String: String]? = nil, bytes: [UInt8], contentType: String) {
        var headers = headers ?? [:]
        headers["content-type"] = contentType
        self.init(statusCode: statusCode, headers: headers, body: Data(bytes).base64EncodedString(), isBase64Encoded: true)
    }

    /// A response whose body is `value` as JSON, with `content-type: application/json`.
    public static func json<T: Encodable>(
        _ value: T,
        statusCode: Int = 200,
        headers: [String: String]? = nil
    ) throws -> HTTPResponse {
        var headers = headers ?? [:]
        headers["content-type"] = "application/json"
        return HTTPResponse(statusCode: statusCode, headers: headers, body: String(decoding: try JSONCoding.encode(value), as: UTF8.self))
    }

    /// A response with a plain-text body and `content-type: text/plain; charset=utf-8`.
    public static func text(_ body: String, statusCode: Int = 200, headers: [String: String]? = nil) -> HTTPResponse {
        var headers = headers ?? [:]
        headers["content-type"] = "text/plain; charset=utf-8"
        return HTTPResponse(statusCode: statusCode, headers: headers, body: body)
    }
}
