import Foundation
import Testing

/// Where the things under test live, and the events they are given.
enum Fixtures {
    /// The build's products directory (`swift build --show-bin-path`): the one
    /// that holds the test bundle and the `hello` executable.
    static let binDirectory: URL = {
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    /// The package's `Functions/` folder.
    static let functionsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // FunctionKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Functions")

    /// The built Swift `hello` function.
    static var hello: URL { binDirectory.appendingPathComponent("hello") }

    /// The Python example's folder (`handler.py` only).
    static var helloPython: URL { functionsDirectory.appendingPathComponent("hello-python") }

    /// The emulator's built-in Python runtime client (executable, run by its `#!` line).
    static var pythonRuntime: URL {
        functionsDirectory.deletingLastPathComponent().appendingPathComponent("Sources/FunctionHost/Runtimes/python/bootstrap.py")
    }

    /// An API Gateway HTTP API (payload 2.0) event as API Gateway delivers it
    /// for `curl -X POST 'https://…/hello/world?name=swift&tag=a&tag=b' -d '{"n":1}'`,
    /// including keys the SDK does not model (`authentication`, `authorizer`).
    static let apiGatewayEvent = #"""
    {
      "version": "2.0",
      "routeKey": "POST /hello/{proxy+}",
      "rawPath": "/hello/world",
      "rawQueryString": "name=swift&tag=a&tag=b",
      "cookies": ["session=abc123", "theme=dark"],
      "headers": {
        "accept": "*/*",
        "content-length": "7",
        "content-type": "application/json",
        "host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-65f1a2b3-4c5d6e7f8a9b0c1d2e3f4a5b",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
      },
      "queryStringParameters": { "name": "swift", "tag": "a,b" },
      "pathParameters": { "proxy": "world" },
      "stageVariables": { "table": "users-dev" },
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "r3pmxmplak",
        "authentication": null,
        "authorizer": { "jwt": { "claims": { "sub": "42" }, "scopes": null } },
        "domainName": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
        "domainPrefix": "r3pmxmplak",
        "http": {
          "method": "POST",
          "path": "/hello/world",
          "protocol": "HTTP/1.1",
          "sourceIp": "203.0.113.7",
          "userAgent": "curl/8.5.0"
        },
        "requestId": "JKJaXmPLvHcESHA=",
        "routeKey": "POST /hello/{proxy+}",
        "stage": "$default",
        "time": "10/Mar/2024:14:03:58 +0000",
        "timeEpoch": 1710079438390
      },
      "body": "eyJuIjoxfQ==",
      "isBase64Encoded": true
    }
    """#

    /// A minimal 2.0 event for `GET path`.
    static func event(path: String, method: String = "GET") -> String {
        #"{"version":"2.0","routeKey":"$default","rawPath":"\#(path)","rawQueryString":"","headers":{},"#
            + #""requestContext":{"accountId":"000000000000","apiId":"local","domainName":"localhost","#
            + #""http":{"method":"\#(method)","path":"\#(path)","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","#
            + #""userAgent":"test"},"requestId":"r","routeKey":"$default","stage":"$default","time":"","#
            + #""timeEpoch":0},"isBase64Encoded":false}"#
    }

    /// The environment an instance gets from the host, pointed at `peer`.
    static func instanceEnvironment(peer: RuntimeAPIPeer, functionName: String) -> [String: String] {
        [
            "AWS_LAMBDA_RUNTIME_API": peer.endpoint,
            "AWS_LAMBDA_FUNCTION_NAME": functionName,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        ]
    }

    /// Decodes a JSON object.
    static func object(_ json: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }
}
