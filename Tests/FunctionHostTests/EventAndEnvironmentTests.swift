import Foundation
import Testing

/// What an instance receives: the API Gateway 2.0 event, its environment, its working directory.
@Suite struct EventAndEnvironmentTests {
    private func echo(
        _ host: HostProcess, _ method: String = "GET", _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> [String: Any] {
        let response = try await host.request(method, path, body: body, headers: headers)
        #expect(response.status == 200)
        return try JSONSerialization.jsonObject(with: response.body) as! [String: Any]
    }

    @Test func routesFromRuntimeJSONWithPathParameters() async throws {
        let project = try TestProject(functions: [
            "users": ["handler": "echo", "routes": ["GET /users/{id}", "POST /users"]],
            "files": ["handler": "echo", "routes": ["ANY /files/{proxy+}"]],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let event = try await echo(host, "GET", "/users/42?verbose=1&tag=a&tag=b")["event"] as! [String: Any]
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "GET /users/{id}")
        #expect(event["rawPath"] as? String == "/users/42")
        #expect(event["rawQueryString"] as? String == "verbose=1&tag=a&tag=b")
        #expect((event["pathParameters"] as? [String: String])?["id"] == "42")
        #expect((event["queryStringParameters"] as? [String: String])?["tag"] == "a,b")
        let context = event["requestContext"] as! [String: Any]
        #expect((context["http"] as? [String: Any])?["method"] as? String == "GET")
        #expect((context["http"] as? [String: Any])?["sourceIp"] as? String == "127.0.0.1")
        let post = try await echo(
            host, "POST", "/users", body: Data("{\"name\":\"ada\"}".utf8), headers: ["Content-Type": "application/json"])["event"] as! [String: Any]
        #expect(post["body"] as? String == "{\"name\":\"ada\"}")
        #expect(post["isBase64Encoded"] as? Bool == false)
        let files = try await echo(host, "DELETE", "/files/a/b/c.txt")["event"] as! [String: Any]
        #expect((files["pathParameters"] as? [String: String])?["proxy"] == "a/b/c.txt")
        #expect(try await host.request("GET", "/users").status == 404)
        let missing = try await host.request("GET", "/nothing/here")
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self) == #"{"message":"Not Found"}"#)
    }

    @Test func defaultRoutesServeTheFunctionName() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let event = try await echo(host, "PUT", "/echo/deep/path")["event"] as! [String: Any]
        #expect((event["pathParameters"] as? [String: String])?["proxy"] == "deep/path")
        #expect(try await host.request("PATCH", "/echo").status == 200)
    }

    @Test func binaryBodiesArriveBase64Encoded() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let bytes = Data([0xff, 0x00, 0xfe, 0x80])
        let event = try await echo(host, "POST", "/echo", body: bytes)["event"] as! [String: Any]
        #expect(event["isBase64Encoded"] as? Bool == true)
        #expect(event["body"] as? String == bytes.base64EncodedString())
    }

    @Test func textThatNeedsEscapingArrivesUnchanged() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} slash / é 😀"
        let event = try await echo(
            host, "POST", "/echo?q=%22%5C%0A%01%C3%A9", body: Data(text.utf8),
            headers: ["Content-Type": "text/plain; charset=utf-8"])["event"] as! [String: Any]
        #expect(event["body"] as? String == text)
        #expect(event["isBase64Encoded"] as? Bool == false)
        #expect((event["queryStringParameters"] as? [String: String])?["q"] == "\"\\\n\u{01}é")
    }

    @Test func environmentHoldsOnlyTheContractVariables() async throws {
        let project = try TestProject(functions: [
            "echo": ["handler": "echo", "memoryMB": 512, "environment": ["PAGE_SIZE": "10"]],
        ])
        let host = try await HostProcess.start(
            configFile: project.configFile, environment: ["HOST_SECRET": "must-not-leak", "LANG": "C.UTF-8"])
        let body = try await echo(host, "GET", "/echo")
        let env = body["env"] as! [String: String]
        let allowed: Set<String> = [
            "PATH", "HOME", "LANG", "PAGE_SIZE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
            "TZ", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "LAMBDA_RUNTIME_DIR",
            "LC_CTYPE",  // set by python3 itself for the C locale
        ]
        #expect(Set(env.keys).isSubset(of: allowed), "unexpected: \(Set(env.keys).subtracting(allowed))")
        #expect(env["HOST_SECRET"] == nil)
        #expect(env["PAGE_SIZE"] == "10")
        #expect(env["AWS_LAMBDA_FUNCTION_NAME"] == "echo")
        #expect(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512")
        #expect(env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST")
        #expect(env["_HANDLER"] == "echo")
        // The variables docs/runtime-json.md lists, as Lambda sets them (AWS_EXECUTION_ENV
        // only for the built-in runtimes, as Lambda sets it only for its managed ones).
        #expect(env["AWS_REGION"] == "us-east-1" && env["AWS_DEFAULT_REGION"] == "us-east-1")
        #expect(env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/echo")
        #expect(env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand")
        #expect(env["AWS_EXECUTION_ENV"] == nil)
        #expect(env["LANG"] == "C.UTF-8")
        #expect(env["AWS_LAMBDA_RUNTIME_API"]?.hasPrefix("127.0.0.1:") == true)
        let folder = project.directory + "/Functions/echo"
        #expect(env["LAMBDA_TASK_ROOT"].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            == URL(fileURLWithPath: folder).resolvingSymlinksInPath().path)
        #expect(env["LAMBDA_RUNTIME_DIR"] == env["LAMBDA_TASK_ROOT"], "a custom runtime is its own runtime")
        #expect((body["cwd"] as? String).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            == URL(fileURLWithPath: folder).resolvingSymlinksInPath().path)
        #expect((body["arn"] as? String)?.hasSuffix(":function:echo") == true)
        #expect(Int64(body["deadline"] as? String ?? "") ?? 0 > Int64(Date().timeIntervalSince1970 * 1000))
    }
}
