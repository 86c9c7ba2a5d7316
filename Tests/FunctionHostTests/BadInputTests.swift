import Foundation
import Testing

/// Bad input of every kind gets a clear error, and the host keeps serving.
@Suite struct BadInputTests {
    @Test func runtimeAPIRefusesUnknownIdsSecondAnswersAndGarbage() async throws {
        let project = try TestProject(functions: ["rogue": ["handler": "rogue"], "echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/rogue")
        #expect(status == 200)
        #expect(body["wrongId"] as? Int == 400)
        #expect((body["garbage"] as? String)?.hasPrefix("HTTP/1.1 400") == true)
        #expect(await HostProcess.eventually(5) { host.log.contains("second answer got 400") })
        #expect(host.log.contains("InvalidRequestID"))
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func runtimeAPIRefusesUnknownPathsAndALateInitError() async throws {
        let project = try TestProject(functions: ["late": ["handler": "latecalls"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/late")
        #expect(status == 200)
        #expect(body["unknownPath"] as? Int == 404)
        #expect(body["lateInitError"] as? Int == 403)
    }

    @Test func aRuntimeThatReconnectsWhileWaitingForAnEventGetsIt() async throws {
        let project = try TestProject(functions: ["reconnect": ["handler": "reconnect", "timeoutSeconds": 5]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/reconnect").status == 200)  // cold: the first /next answers at once
        try await Task.sleep(for: .seconds(1))  // the runtime's /next times out and reconnects a few times
        let response = try await host.request("GET", "/reconnect")
        #expect(response.status == 200)
    }

    @Test func anInformationalStatusFromTheFunctionIs502() async throws {
        let project = try TestProject(functions: ["info": ["handler": "informational"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, _, headers) = try await host.request("GET", "/info")
        #expect(status == 502)
        #expect(headers["x-emulator-error-type"] == "Runtime.InvalidResponse")
    }

    @Test func malformedHTTPAtTheFrontDoorGets400AndHostKeepsServing() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let reply = try RawSocket.exchange(port: host.port, bytes: Array("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n".utf8))
        #expect(reply.hasPrefix("HTTP/1.1 400"))
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func adminEndpointsAnswerUnknownPathsWithJSON404() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/_emulator/nope")
        #expect(status == 404)
        #expect((body["message"] as? String)?.contains("/_emulator/nope") == true)
    }
}
