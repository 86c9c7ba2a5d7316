import Foundation
import Testing
import TestSupport

/// The event and the responses as an API Gateway HTTP API (payload format 2.0)
/// gives them; docs/api-gateway.md says which fields are decoded and why.
@Suite struct APIGatewayFidelityTests {
    private func receivedEvent(
        _ host: HostProcess, _ path: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> [String: Any] {
        let response = try await host.request(method, path, body: body, headers: headers)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return object?["event"] as? [String: Any] ?? [:]
    }

    @Test func hostHeaderReachesTheEventAndNamesTheDomain() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let event = try await receivedEvent(host, "/echo")
        let headers = event["headers"] as? [String: String] ?? [:]
        #expect(headers["host"] == "127.0.0.1:\(host.port)")
        let context = event["requestContext"] as? [String: Any] ?? [:]
        #expect(context["domainName"] as? String == "127.0.0.1")
        #expect(context["domainPrefix"] as? String == "127")
        // A Host naming a domain, as a proxy in front of the emulator would send it.
        let request = "GET /echo HTTP/1.1\r\nHost: api.example.test:8443\r\nConnection: close\r\n\r\n"
        let reply = try RawSocket.exchange(port: host.port, bytes: Array(request.utf8))
        let json = reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) } ?? ""
        let named = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let namedEvent = named?["event"] as? [String: Any] ?? [:]
        #expect((namedEvent["headers"] as? [String: String])?["host"] == "api.example.test:8443")
        let namedContext = namedEvent["requestContext"] as? [String: Any] ?? [:]
        #expect(namedContext["domainName"] as? String == "api.example.test")
        #expect(namedContext["domainPrefix"] as? String == "api")
    }

    @Test func pathAndPathParametersArePercentDecodedAndTheQueryStringIsNot() async throws {
        let project = try TestProject(functions: [
            "users": ["handler": "echo", "routes": ["GET /users/{id}", "GET /caf%C3%A9/{rest+}"]],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let event = try await receivedEvent(host, "/users/a%20b?q=x%20y&plus=1+2")
        #expect((event["pathParameters"] as? [String: String])?["id"] == "a b")
        #expect(event["rawPath"] as? String == "/users/a b")
        #expect(((event["requestContext"] as? [String: Any])?["http"] as? [String: Any])?["path"] as? String == "/users/a b")
        #expect(event["rawQueryString"] as? String == "q=x%20y&plus=1+2")
        #expect(event["queryStringParameters"] as? [String: String] == ["q": "x y", "plus": "1 2"])
        // An encoded "/" stays inside its segment: it does not split the path.
        let slash = try await receivedEvent(host, "/users/a%2Fb")
        #expect((slash["pathParameters"] as? [String: String])?["id"] == "a/b")
        let greedy = try await receivedEvent(host, "/caf%C3%A9/x%20y/z")
        #expect((greedy["pathParameters"] as? [String: String])?["rest"] == "x y/z")
        #expect(greedy["rawPath"] as? String == "/café/x y/z")
    }

    /// HTTP APIs pass as text only text/*, JSON, XML and JavaScript bodies; every other body is base64.
    @Test(arguments: [
        ("application/json", false), ("application/json; charset=utf-8", false), ("text/plain", false),
        ("text/csv", false), ("application/xml", false), ("application/javascript", false),
        ("application/vnd.api+json", false), ("application/atom+xml", false),
        ("application/octet-stream", true), ("application/x-www-form-urlencoded", true),
        ("multipart/form-data; boundary=x", true), ("image/png", true), (nil, true),
    ] as [(String?, Bool)])
    func bodyIsBase64UnlessItsContentTypeIsText(contentType: String?, base64: Bool) async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let text = "name=ada&note=hello"
        var request = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(text.utf8.count)\r\n"
        if let contentType { request += "Content-Type: \(contentType)\r\n" }
        let reply = try RawSocket.exchange(port: host.port, bytes: Array((request + "\r\n" + text).utf8))
        let json = reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) } ?? ""
        let event = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["event"] as? [String: Any] ?? [:]
        #expect(event["isBase64Encoded"] as? Bool == base64, "\(contentType ?? "no content type")")
        #expect(event["body"] as? String == (base64 ? Data(text.utf8).base64EncodedString() : text))
    }

    @Test func gatewayHeadersStageVariablesAndTheRequestId() async throws {
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: ["apiGateway": ["stageVariables": ["table": "users_dev", "region_name": "local"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/echo", headers: ["X-Forwarded-For": "203.0.113.9"])
        let event = (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["event"] as? [String: Any] ?? [:]
        let headers = event["headers"] as? [String: String] ?? [:]
        #expect(headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1")
        #expect(headers["x-forwarded-proto"] == "http")
        #expect(headers["x-forwarded-port"] == String(host.port))
        let trace = headers["x-amzn-trace-id"] ?? ""
        #expect(trace.range(of: #"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$"#, options: .regularExpression) != nil, "\(trace)")
        #expect(event["stageVariables"] as? [String: String] == ["table": "users_dev", "region_name": "local"])
        let requestId = (event["requestContext"] as? [String: Any])?["requestId"] as? String
        #expect(requestId != nil)
        #expect(response.headers["apigw-requestid"] == requestId)
        // A trace id the caller sends is kept; a request no route serves still names its request id.
        let traced = try await receivedEvent(host, "/echo", headers: ["X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000001"])
        #expect((traced["headers"] as? [String: String])?["x-amzn-trace-id"] == "Root=1-00000000-000000000000000000000001")
        #expect(traced["stageVariables"] != nil)
        let missing = try await host.request("GET", "/nothing")
        #expect(missing.status == 404)
        #expect(missing.headers["apigw-requestid"]?.isEmpty == false)
    }

    @Test func noStageVariablesMeansNoField() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let event = try await receivedEvent(host, "/echo")
        #expect(event.keys.contains("version"))
        #expect(!event.keys.contains("stageVariables"))
    }

    @Test func defaultRouteServesWhatNoOtherRouteMatches() async throws {
        let project = try TestProject(functions: [
            "fallback": ["handler": "echo", "routes": ["$default"]],
            "users": ["handler": "echo", "routes": ["GET /users/{id}"]],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let other = try await receivedEvent(host, "/any/thing/at%20all", method: "POST", body: Data("{}".utf8), headers: ["Content-Type": "application/json"])
        #expect(other["routeKey"] as? String == "$default")
        #expect((other["requestContext"] as? [String: Any])?["routeKey"] as? String == "$default")
        #expect(other["rawPath"] as? String == "/any/thing/at all")
        #expect(other["pathParameters"] == nil)
        let user = try await receivedEvent(host, "/users/7")
        #expect(user["routeKey"] as? String == "GET /users/{id}")
        #expect(host.log.contains("$default"), "the route table lists $default")
    }

    /// Real third-party code: Mangum (ASGI on Lambda) builds the request's URL
    /// from the event's Host, x-forwarded-proto and x-forwarded-port, and its path from the decoded path.
    @Test func mangumSeesTheURLTheCallerUsed() async throws {
        let python = try await PythonEnvironment.shared.python(with: ["mangum==0.19.0"])
        let project = try TestProject(functions: [:])
        let folder = project.directory + "/Functions/asgi"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try ("#!" + python + "\n" + Self.mangumBootstrap).write(toFile: folder + "/bootstrap", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/bootstrap")
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/asgi/a%20b?x=1%202")
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))\n\(host.log)")
        let scope = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
        #expect(scope["scheme"] as? String == "http")
        #expect(scope["server"] as? [AnyHashable] == ["127.0.0.1", host.port] as [AnyHashable], "\(scope)")
        #expect(scope["path"] as? String == "/asgi/a b")
        #expect(scope["query"] as? String == "x=1%202")
        #expect((scope["headers"] as? [String: String])?["host"] == "127.0.0.1:\(host.port)")
    }

    /// A custom runtime serving an ASGI app through Mangum; the app answers with what its scope says.
    private static let mangumBootstrap = #"""
import http.client, json, os
from mangum import Mangum

async def app(scope, receive, send):
    body = json.dumps({"scheme": scope["scheme"], "server": list(scope["server"]), "path": scope["path"],
                       "query": scope["query_string"].decode(),
                       "headers": {k.decode(): v.decode() for k, v in scope["headers"]}})
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body.encode()})

handler = Mangum(app, lifespan="off")
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    result = handler(event, None)
    conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, json.dumps(result))
    conn.getresponse().read()
"""#
}
