import Foundation
import Testing
@testable import FunctionKit

@Suite("API Gateway HTTP API 2.0 request and response coding")
struct HTTPEventCodingTests {
    @Test("a captured API Gateway 2.0 event decodes into every field")
    func decodesCapturedEvent() throws {
        let request = try JSONDecoder().decode(HTTPRequest.self, from: Data(Fixtures.apiGatewayEvent.utf8))
        #expect(request.version == "2.0")
        #expect(request.routeKey == "POST /hello/{proxy+}")
        #expect(request.rawPath == "/hello/world")
        #expect(request.rawQueryString == "name=swift&tag=a&tag=b")
        #expect(request.cookies == ["session=abc123", "theme=dark"])
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.query("tag") == "a,b")
        #expect(request.pathParameters == ["proxy": "world"])
        #expect(request.stageVariables == ["table": "users-dev"])
        #expect(request.method == "POST")
        let context = request.requestContext
        #expect(context.accountID == "123456789012")
        #expect(context.apiID == "r3pmxmplak")
        #expect(context.domainName == "r3pmxmplak.execute-api.us-east-2.amazonaws.com")
        #expect(context.domainPrefix == "r3pmxmplak")
        #expect(context.http == .init(
            method: "POST", path: "/hello/world", protocol: "HTTP/1.1", sourceIP: "203.0.113.7", userAgent: "curl/8.5.0"
        ))
        #expect(context.requestID == "JKJaXmPLvHcESHA=")
        #expect(context.routeKey == "POST /hello/{proxy+}")
        #expect(context.stage == "$default")
        #expect(context.time == "10/Mar/2024:14:03:58 +0000")
        #expect(context.timeEpoch == 1_710_079_438_390)
        #expect(request.isBase64Encoded)
        #expect(request.bodyBytes == Array(#"{"n":1}"#.utf8))

        struct Payload: Decodable, Equatable { var n: Int }
        #expect(try request.decodeBody(as: Payload.self) == Payload(n: 1))
    }

    @Test("a request survives encoding and decoding unchanged, with the wire's key names")
    func requestRoundTrip() throws {
        let original = try JSONDecoder().decode(HTTPRequest.self, from: Data(Fixtures.apiGatewayEvent.utf8))
        let json = try JSONEncoder().encode(original)
        #expect(try JSONDecoder().decode(HTTPRequest.self, from: json) == original)

        let object = try Fixtures.object(String(decoding: json, as: UTF8.self))
        let context = try #require(object["requestContext"] as? [String: Any])
        #expect(context["accountId"] as? String == "123456789012")
        #expect(context["requestId"] as? String == "JKJaXmPLvHcESHA=")
        #expect((context["http"] as? [String: Any])?["sourceIp"] as? String == "203.0.113.7")
    }

    @Test("keys API Gateway may leave out get defaults; a missing rawPath is an error")
    func lenientDecoding() throws {
        let minimal = #"{"rawPath":"/x","requestContext":{"accountId":"1","apiId":"a","domainName":"d","#
            + #""http":{"method":"GET","path":"/x","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"u"},"#
            + #""requestId":"r","routeKey":"$default","stage":"$default","time":"t","timeEpoch":1}}"#
        let request = try JSONDecoder().decode(HTTPRequest.self, from: Data(minimal.utf8))
        #expect(request.version == "2.0")
        #expect(request.headers.isEmpty)
        #expect(request.rawQueryString == "")
        #expect(request.cookies == nil)
        #expect(request.body == nil)
        #expect(request.bodyBytes == nil)
        #expect(!request.isBase64Encoded)
        #expect(throws: HTTPRequestBodyError.missing) { try request.decodeBody(as: [String: Int].self) }

        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(HTTPRequest.self, from: Data(#"{"requestContext":{}}"#.utf8))
        }
    }

    @Test("a text response encodes as the 2.0 response shape, leaving out what is unset")
    func textResponse() throws {
        let json = String(decoding: try JSONCoding.encode(HTTPResponse(statusCode: 200, body: "hi")), as: UTF8.self)
        #expect(json == #"{"body":"hi","statusCode":200}"#)

        let full = HTTPResponse(
            statusCode: 201, headers: ["x-id": "7"], cookies: ["a=b; Path=/"], body: "made", isBase64Encoded: false
        )
        let decoded = try JSONDecoder().decode(HTTPResponse.self, from: Data(try JSONCoding.encode(full)))
        #expect(decoded == full)
        #expect(HTTPResponse.text("plain").headers?["content-type"] == "text/plain; charset=utf-8")
    }

    @Test("the JSON helper encodes any Encodable body and sets the content type")
    func jsonResponse() throws {
        struct Greeting: Codable, Equatable { var message: String; var count: Int }
        let response = try HTTPResponse.json(Greeting(message: "hi/there", count: 2), statusCode: 202, headers: ["x-a": "1"])
        #expect(response.statusCode == 202)
        #expect(response.headers == ["x-a": "1", "content-type": "application/json"])
        let body = try #require(response.body)
        #expect(try JSONDecoder().decode(Greeting.self, from: Data(body.utf8)) == Greeting(message: "hi/there", count: 2))
    }

    @Test("binary content is sent base64-encoded")
    func binaryResponse() throws {
        let response = HTTPResponse(bytes: [0, 1, 2, 255], contentType: "application/octet-stream")
        #expect(response.isBase64Encoded == true)
        #expect(response.body == "AAEC/w==")
        #expect(response.headers?["content-type"] == "application/octet-stream")
    }
}
