import Foundation
import Testing

/// What the caller sees when a function fails: timeouts, crashes, errors, init errors, oversized payloads.
@Suite struct FailureTests {
    @Test func timeoutKillsTheInstanceAndAnswers504() async throws {
        let project = try TestProject(functions: ["hang": ["handler": "hang", "timeoutSeconds": 3]])
        let host = try await HostProcess.start(configFile: project.configFile)
        async let response = host.request("GET", "/hang")
        #expect(try await HostProcess.eventually(10) { try await host.instances("hang", "busy") == 1 })
        let instances = try host.instancePIDs()
        #expect(instances.count == 1)
        let (status, body, headers) = try await response
        #expect(status == 504)
        #expect(String(decoding: body, as: UTF8.self) == #"{"message":"Task timed out after 3.00 seconds"}"#)
        #expect(headers["x-emulator-error-type"] == "Sandbox.Timedout")
        #expect(await HostProcess.eventually(5) { !instances.contains(where: processIsAlive) })
        #expect(try await host.stats("hang")["timeouts"] as? Int == 1)
        #expect(try await host.failuresByCause("hang") == ["function-timeout": 1])
        #expect(await HostProcess.eventually(5) { host.log.contains("Task timed out after 3.00 seconds") })
        let printed = host.log.split(separator: "\n").first { $0.contains("child pid") }
        #expect(printed?.hasPrefix("[hang/") == true, "instance output is prefixed with function/instance")
    }

    @Test func crashAnswers502AndTheNextRequestGetsAFreshInstance() async throws {
        let project = try TestProject(functions: ["crash": ["handler": "crash"]], extra: Self.detailsInBody)
        let host = try await HostProcess.start(configFile: project.configFile)
        let before = try await host.request("GET", "/crash")
        #expect(before.status == 200)
        let (status, body) = try await host.json("GET", "/crash?crash=yes")
        #expect(status == 502)
        #expect(body["errorType"] as? String == "Runtime.ExitError")
        #expect((body["errorMessage"] as? String)?.contains("exit code 7") == true)
        let after = try await host.request("GET", "/crash")
        #expect(after.status == 200)
        #expect(after.body != before.body)  // another pid
        #expect(try await host.stats("crash")["crashes"] as? Int == 1)
        #expect(try await host.failuresByCause("crash") == ["crashed": 1])
    }

    /// API Gateway's body for the caller; the error's type in a header and the whole error in the log.
    @Test func functionErrorAnswers502WithAPIGatewaysBodyAndLogsTheError() async throws {
        let project = try TestProject(functions: ["fail": ["handler": "fail"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body, headers) = try await host.request("GET", "/fail")
        #expect(status == 502)
        #expect(String(decoding: body, as: UTF8.self) == #"{"message":"Internal server error"}"#)
        #expect(headers["x-emulator-error-type"] == "ValueError")
        #expect(headers["x-emulator-failure"] == "function-error")
        #expect(await HostProcess.eventually(5) { host.log.contains(" ERROR ValueError: bad value 42") }, "\(host.log)")
        // The instance survives a function error and serves the next request warm.
        _ = try await host.json("GET", "/fail")
        #expect(try await host.stats("fail")["coldStarts"] as? Int == 1)
        #expect(try await host.failuresByCause("fail") == ["function-error": 2])
    }

    @Test func errorDetailsInBodyShowsTheFunctionsErrorToTheCaller() async throws {
        let project = try TestProject(functions: ["fail": ["handler": "fail"]], extra: Self.detailsInBody)
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/fail")
        #expect(status == 502)
        #expect(body["errorType"] as? String == "ValueError")
        #expect(body["errorMessage"] as? String == "bad value 42")
        #expect(body["message"] == nil)
    }

    /// runtime.json's switch that shows the error in the body instead of API Gateway's message.
    static var detailsInBody: [String: Any] { ["apiGateway": ["errorDetailsInBody": true]] }

    /// The cause of a failure is named in `X-Emulator-Failure` and counted in the stats;
    /// database errors are recognised in what the function reported.
    @Test(arguments: [
        ("sorry, too many clients already (SQLSTATE 53300)", "sqlstate-53300"),
        ("FATAL:  sorry, too many clients already", "sqlstate-53300"),
        ("remaining connection slots are reserved for non-replication superuser connections", "sqlstate-53300"),
        ("no server connection available: waited 5000 ms (SQLSTATE 08P01)", "pool-wait-timeout"),
        ("relation \"nope\" does not exist (SQLSTATE 42P01)", "sqlstate-42P01"),
        ("SQLSTATE is not a code here", "function-error"),
    ])
    func failureCauseIsNamedInAHeaderAndCounted(message: String, cause: String) async throws {
        let project = try TestProject(functions: ["fail": ["handler": "fail"]], extra: Self.detailsInBody)
        let host = try await HostProcess.start(configFile: project.configFile)
        let query = message.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (status, body, headers) = try await host.request("GET", "/fail?message=\(query)")
        #expect(status == 502)
        #expect(headers["x-emulator-failure"] == cause)
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect(object?["errorMessage"] as? String == message)
        #expect(try await host.failuresByCause("fail") == [cause: 1])
    }

    @Test func initErrorAnswers502AndDiscardsTheInstance() async throws {
        let project = try TestProject(functions: ["initfail": ["handler": "initfail"]], extra: Self.detailsInBody)
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/initfail")
        #expect(status == 502)
        #expect(body["errorType"] as? String == "Runtime.ImportModuleError")
        #expect(body["errorMessage"] as? String == "no module named app")
        _ = try await host.json("GET", "/initfail")
        #expect(try await host.stats("initfail")["coldStarts"] as? Int == 2)
        #expect(try await HostProcess.eventually(5) { try await host.instances("initfail") == 0 })
    }

    @Test func bootstrapThatExitsAtOnceAnswers502AndHostKeepsServing() async throws {
        let project = try TestProject(functions: ["exitnow": ["handler": "exitnow"], "echo": ["handler": "echo"]], extra: Self.detailsInBody)
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/exitnow")
        #expect(status == 502)
        #expect(body["errorType"] as? String == "Runtime.ExitError")
        #expect((body["errorMessage"] as? String)?.contains("exit code 3") == true)
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func requestOver6MBAnswers413() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("POST", "/echo", body: Data(count: 6 * 1024 * 1024 + 1))
        #expect(response.status == 413)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Request Entity Too Large"))
        #expect(try await host.stats("echo")["invocations"] as? Int == 0)
    }

    @Test func responseOver6MBAnswers502() async throws {
        let project = try TestProject(functions: ["big": ["handler": "big"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body, headers) = try await host.request("GET", "/big")
        #expect(status == 502)
        #expect(String(decoding: body, as: UTF8.self) == #"{"message":"Internal server error"}"#)
        #expect(headers["x-emulator-error-type"] == "Function.ResponseSizeTooLarge")
    }

    @Test func nonHTTPResultBecomesA200JSONBody() async throws {
        let project = try TestProject(functions: ["plain": ["handler": "plain"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/plain")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"["any", "json", 1]"#)
    }
}
