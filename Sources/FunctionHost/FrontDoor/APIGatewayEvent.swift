import EmulatorConfig
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The API Gateway HTTP API payload 2.0 event an instance receives; which
/// fields are decoded and what the emulator adds is in docs/api-gateway.md.
struct APIGatewayEvent {
    var version = "2.0"
    var routeKey: String
    var rawPath: String
    var rawQueryString: String
    var cookies: [String]?
    var headers: [String: String]
    var queryStringParameters: [String: String]?
    var pathParameters: [String: String]?
    var stageVariables: [String: String]?
    var requestContext: RequestContext
    var body: String?
    var isBase64Encoded: Bool

    struct RequestContext {
        var accountId = "123456789012"
        var apiId = "emulator"
        var domainName: String
        var domainPrefix: String
        var http: HTTP
        var requestId: String
        var routeKey: String
        var stage = "$default"
        var time: String
        var timeEpoch: Int64
    }

    struct HTTP {
        var method: String
        var path: String
        var `protocol` = "HTTP/1.1"
        var sourceIp: String
        var userAgent: String
    }

    /// Where a request came from and what the gateway adds to it.
    struct Origin {
        /// The caller's IP address.
        var sourceIP = "127.0.0.1"
        /// The front door's port, for `x-forwarded-port`.
        var port = 0
        /// `requestContext.requestId`, also the `apigw-requestid` response header.
        var requestId = APIGatewayEvent.newRequestId()
        /// runtime.json's `apiGateway.stageVariables`.
        var stageVariables: [String: String] = [:]
    }

    /// Builds the event of `request` for the route it matched.
    init(request: Request, match: RouteTable.Match, body: ByteBuffer, origin: Origin) {
        let now = Date.now
        var headers: [String: String] = [:]
        var cookies: [String] = []
        for field in request.headers {
            let name = field.name.canonicalName
            if name == "cookie" {
                cookies += field.value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            } else if let existing = headers[name] {
                headers[name] = existing + "," + field.value
            } else {
                headers[name] = field.value
            }
        }
        // HTTP/1.1's Host header is the request's authority in HTTPTypes.
        let host = request.head.authority ?? headers["host"] ?? "127.0.0.1"
        headers["host"] = host
        // What API Gateway adds: the caller's address appended to any
        // x-forwarded-for it sent, the scheme and port it was reached on, a trace id.
        headers["x-forwarded-for"] = headers["x-forwarded-for"].map { $0 + ", " + origin.sourceIP } ?? origin.sourceIP
        headers["x-forwarded-proto"] = "http"
        headers["x-forwarded-port"] = String(origin.port)
        if headers["x-amzn-trace-id"] == nil { headers["x-amzn-trace-id"] = TraceID.makeRoot() }
        let query = request.uri.query ?? ""
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decodeQuery(parts[0])
            let value = parts.count > 1 ? Self.decodeQuery(parts[1]) : ""
            parameters[key] = parameters[key].map { $0 + "," + value } ?? value
        }
        let domainName = Self.domainName(ofHost: host)
        let path = Route.percentDecoded(request.uri.path)
        routeKey = match.route.routeKey
        rawPath = path
        rawQueryString = query
        self.cookies = cookies.isEmpty ? nil : cookies
        self.headers = headers
        queryStringParameters = parameters.isEmpty ? nil : parameters
        pathParameters = match.pathParameters.isEmpty ? nil : match.pathParameters
        stageVariables = origin.stageVariables.isEmpty ? nil : origin.stageVariables
        requestContext = RequestContext(
            domainName: domainName,
            domainPrefix: String(domainName.split(separator: ".").first ?? Substring(domainName)),
            http: HTTP(
                method: request.method.rawValue, path: path, sourceIp: origin.sourceIP,
                userAgent: headers["user-agent"] ?? ""),
            requestId: origin.requestId,
            routeKey: match.route.routeKey,
            time: Self.clf(now),
            timeEpoch: Int64(now.timeIntervalSince1970 * 1000))
        if body.readableBytes == 0 {
            self.body = nil
            isBase64Encoded = false
        } else if Self.isText(contentType: headers["content-type"]),
                  let text = body.getString(at: body.readerIndex, length: body.readableBytes),
                  text.utf8.elementsEqual(body.readableBytesView) {
            self.body = text
            isBase64Encoded = false
        } else {
            self.body = Data(body.readableBytesView).base64EncodedString()
            isBase64Encoded = true
        }
    }

    /// Whether an HTTP API passes a body of this content type as text: `text/*`,
    /// JSON, XML and JavaScript (with `+json`/`+xml` suffixes). Everything
    /// else, a missing content type, forms and multipart included, arrives base64-encoded.
    static func isText(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        if media.hasPrefix("text/") { return true }
        if ["application/json", "application/xml", "application/javascript"].contains(media) { return true }
        return media.hasPrefix("application/") && (media.hasSuffix("+json") || media.hasSuffix("+xml"))
    }

    /// The host name of a `Host` header: without its port (`127.0.0.1:3000` -> `127.0.0.1`).
    static func domainName(ofHost host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
        return String(host.prefix { $0 != ":" })
    }

    /// A request id as `requestContext.requestId` and `apigw-requestid` carry it.
    static func newRequestId() -> String { UUID().uuidString.lowercased() }

    /// The event as the JSON an instance receives.
    var json: ByteBuffer {
        var writer = JSONWriter()
        writer.object { event in
            event.field("version", version)
            event.field("routeKey", routeKey)
            event.field("rawPath", rawPath)
            event.field("rawQueryString", rawQueryString)
            event.field("cookies", cookies)
            event.field("headers", headers)
            event.field("queryStringParameters", queryStringParameters)
            event.field("pathParameters", pathParameters)
            if let stageVariables { event.field("stageVariables", stageVariables) }
            event.field("requestContext") { context in
                context.field("accountId", requestContext.accountId)
                context.field("apiId", requestContext.apiId)
                context.field("domainName", requestContext.domainName)
                context.field("domainPrefix", requestContext.domainPrefix)
                context.field("http") { http in
                    http.field("method", requestContext.http.method)
                    http.field("path", requestContext.http.path)
                    http.field("protocol", requestContext.http.protocol)
                    http.field("sourceIp", requestContext.http.sourceIp)
                    http.field("userAgent", requestContext.http.userAgent)
                }
                context.field("requestId", requestContext.requestId)
                context.field("routeKey", requestContext.routeKey)
                context.field("stage", requestContext.stage)
                context.field("time", requestContext.time)
                context.field("timeEpoch", requestContext.timeEpoch)
            }
            event.field("body", body)
            event.field("isBase64Encoded", isBase64Encoded)
        }
        return writer.buffer
    }

    private static func decodeQuery(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// API Gateway's `requestContext.time`: `26/Nov/2026:17:53:05 +0000`. It
    /// changes once a second, so the last one made is kept.
    private static func clf(_ date: Date) -> String {
        let second = Int(date.timeIntervalSince1970)
        if let text = lastTime.withLock({ $0.second == second ? $0.text : nil }) { return text }
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "\(twoDigits(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(parts.tm_year + 1900)"
            + ":\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) +0000"
        lastTime.withLock { $0 = (second, text) }
        return text
    }

    private static let lastTime = Mutex<(second: Int, text: String)>((-1, ""))
}
