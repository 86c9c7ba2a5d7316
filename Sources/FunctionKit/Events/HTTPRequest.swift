#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An API Gateway HTTP API request, payload format 2.0: what a function behind
/// an HTTP route receives. Keys that API Gateway may leave out (`cookies`,
/// `queryStringParameters`, `pathParameters`, `stageVariables`, `body`) are
/// optional; `headers`, `rawQueryString` and `isBase64Encoded` default to
/// empty when absent.
public struct HTTPRequest: Codable, Sendable, Equatable {
    /// The payload format version, `"2.0"`.
    public var version: String
    /// The matched route, e.g. `"GET /users/{id}"`, or `"$default"`.
    public var routeKey: String
    /// The request path, e.g. `"/users/42"`.
    public var rawPath: String
    /// The query string without `?`, e.g. `"page=2&sort=name"`.
    public var rawQueryString: String
    /// The request's cookies, one `name=value` each.
    public var cookies: [String]?
    /// The request headers with lower-cased names; repeated headers are joined with commas.
    public var headers: [String: String]
    /// The query parameters; repeated parameters are joined with commas.
    public var queryStringParameters: [String: String]?
    /// The route's path parameters, e.g. `["id": "42"]` for `/users/{id}`.
    public var pathParameters: [String: String]?
    /// The stage's variables.
    public var stageVariables: [String: String]?
    /// Who called and how.
    public var requestContext: RequestContext
    /// The body: text, or base64 when ``isBase64Encoded`` is true.
    public var body: String?
    /// Whether ``body`` is base64.
    public var isBase64Encoded: Bool

    /// The `requestContext` object.
    public struct RequestContext: Codable, Sendable, Equatable {
        /// The AWS account that owns the API.
        public var accountID: String
        /// The API's id.
        public var apiID: String
        /// The domain name the request came in on.
        public var domainName: String
        /// The first label of ``domainName``.
        public var domainPrefix: String?
        /// The HTTP details.
        public var http: HTTP
        /// The request's id at API Gateway.
        public var requestID: String
        /// The matched route (same as the request's `routeKey`).
        public var routeKey: String
        /// The stage, e.g. `"$default"`.
        public var stage: String
        /// The request time, e.g. `"12/Mar/2020:19:03:58 +0000"`.
        public var time: String
        /// The request time in milliseconds since the Unix epoch.
        public var timeEpoch: Int64

        /// Creates a request context.
        public init(
            accountID: String = "000000000000",
            apiID: String = "local",
            domainName: String = "localhost",
            domainPrefix: String? = nil,
            http: HTTP,
            requestID: String = "",
            routeKey: String = "$default",
            stage: String = "$default",
            time: String = "",
            timeEpoch: Int64 = 0
        ) {
            self.accountID = accountID
            self.apiID = apiID
            self.domainName = domainName
            self.domainPrefix = domainPrefix
            self.http = http
            self.requestID = requestID
            self.routeKey = routeKey
            self.stage = stage
            self.time = time
            self.timeEpoch = timeEpoch
        }

        enum CodingKeys: String, CodingKey {
            case accountID = "accountId", apiID = "apiId", domainName, domainPrefix, http
            case requestID = "requestId", routeKey, stage, time, timeEpoch
        }
    }

    /// The `requestContext.http` object.
    public struct HTTP: Codable, Sendable, Equatable {
        /// The method, e.g. `"GET"`.
        public var method: String
        /// The request path.
        public var path: String
        /// The protocol, e.g. `"HTTP/1.1"`.
        public var `protocol`: String
        /// The caller's IP address.
        public var sourceIP: String
        /// The caller's `User-Agent`.
        public var userAgent: String

        /// Creates the HTTP details of a request.
        public init(method: String, path: String, protocol: String = "HTTP/1.1", sourceIP: String = "127.0.0.1", userAgent: String = "") {
            self.method = method
            self.path = path
            self.protocol = `protocol`
            self.sourceIP = sourceIP
            self.userAgent = userAgent
        }

        enum CodingKeys: String, CodingKey {
            case method, path, `protocol`, sourceIP = "sourceIp", userAgent
        }
    }

    /// Creates a request, e.g. to call a handler from a test.
    public init(
        method: String = "GET",
        rawPath: String,
        rawQueryString: String = "",
        routeKey: String = "$default",
        cookies: [String]? = nil,
        headers: [String: String] = [:],
        queryStringParameters: [String: String]? = nil,
        pathParameters: [String: String]? = nil,
        stageVariables: [String: String]? = nil,
        requestContext: RequestContext? = nil,
        body: String? = nil,
        isBase64Encoded: Bool = false
    ) {
        self.version = "2.0"
        self.routeKey = routeKey
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.cookies = cookies
        self.headers = headers
        self.queryStringParameters = queryStringParameters
        self.pathParameters = pathParameters
        self.stageVariables = stageVariables
        self.requestContext = requestContext ?? RequestContext(http: HTTP(method: method, path: rawPath), routeKey: routeKey)
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? "2.0"
        routeKey = try container.decodeIfPresent(String.self, forKey: .routeKey) ?? "$default"
        rawPath = try container.decode(String.self, forKey: .rawPath)
        rawQueryString = try container.decodeIfPresent(String.self, forKey: .rawQueryString) ?? ""
        cookies = try container.decodeIfPresent([String].self, forKey: .cookies)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        queryStringParameters = try container.decodeIfPresent([String: String].self, forKey: .queryStringParameters)
        pathParameters = try container.decodeIfPresent([String: String].self, forKey: .pathParameters)
        stageVariables = try container.decodeIfPresent([String: String].self, forKey: .stageVariables)
        requestContext = try container.decode(RequestContext.self, forKey: .requestContext)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        isBase64Encoded = try container.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case version, routeKey, rawPath, rawQueryString, cookies, headers, queryStringParameters
        case pathParameters, stageVariables, requestContext, body, isBase64Encoded
    }
}

extension HTTPRequest {
    /// The method, e.g. `"GET"` (`requestContext.http.method`).
    public var method: String { requestContext.http.method }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? {
        if let value = headers[name.lowercased()] { return value }
        return headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The value of query parameter `name`.
    public func query(_ name: String) -> String? {
        queryStringParameters?[name]
    }

    /// The body's bytes, base64-decoded when ``isBase64Encoded`` says so;
    /// `nil` without a body or when its base64 is invalid.
    public var bodyBytes: [UInt8]? {
        guard let body else { return nil }
        guard isBase64Encoded else { return Array(body.utf8) }
        return Data(base64Encoded: body).map(Array.init)
    }

    /// Decodes the JSON body as a `T`.
    /// - Throws: ``HTTPRequestBodyError/missing`` without a body, or the decoder's error.
    public func decodeBody<T: Decodable>(as type: T.Type = T.self) throws -> T {
        guard let bytes = bodyBytes else { throw HTTPRequestBodyError.missing }
        return try JSONDecoder().decode(type, from: Data(bytes))
    }
}

/// Why ``HTTPRequest/decodeBody(as:)`` found nothing to decode.
public enum HTTPRequestBodyError: Error, CustomStringConvertible {
    /// The request has no body, or its base64 is invalid.
    case missing

    public var description: String { "the request has no body (or its base64 is invalid)" }
}
