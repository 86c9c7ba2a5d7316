import ChildProcess
import EmulatorConfig
import Foundation
import FunctionHost
import Testing

/// `emulator invoke`: one cold invocation without the front door, its result
/// on standard output and its REPORT line on standard error.
@Suite struct InvokeCommandTests {
    @Test func theSampleEventOfTheFirstRouteIsAnsweredAndReported() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "routes": ["POST /things/{id}"]]])
        let run = try await invoke(["echo", "--config", project.configFile, "--no-build"])
        #expect(run.status == .exited(0), "\(run.errors)")
        let result = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        #expect(result?["statusCode"] as? Int == 200, "\(run.output)")
        let echoed = try JSONSerialization.jsonObject(with: Data((result?["body"] as? String ?? "").utf8)) as? [String: Any]
        let event = echoed?["event"] as? [String: Any]
        #expect(event?["routeKey"] as? String == "POST /things/{id}")
        #expect(event?["rawPath"] as? String == "/things/example")
        #expect((event?["pathParameters"] as? [String: String])?["id"] == "example")
        #expect(run.errors.contains("START RequestId:"))
        #expect(run.errors.contains("REPORT RequestId:") && run.errors.contains("Init Duration:"), "\(run.errors)")
    }

    @Test func anEventFromAFileIsPassedAsItIs() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let eventFile = project.directory + "/event.json"
        try #"{"rawPath": "/custom", "note": "from a file"}"#.write(toFile: eventFile, atomically: true, encoding: .utf8)
        let run = try await invoke(["echo", "--event", eventFile, "--config", project.configFile, "--no-build"])
        #expect(run.status == .exited(0), "\(run.errors)")
        let result = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        let echoed = try JSONSerialization.jsonObject(with: Data((result?["body"] as? String ?? "").utf8)) as? [String: Any]
        #expect((echoed?["event"] as? [String: Any])?["note"] as? String == "from a file")
    }

    @Test func aFailingFunctionPrintsItsErrorAndExits1() async throws {
        let project = try TestProject(functions: ["fail": ["handler": "fail"]])
        let run = try await invoke(["fail", "--config", project.configFile, "--no-build"])
        #expect(run.status == .exited(1))
        let error = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        #expect(error?["errorMessage"] as? String == "bad value 42", "\(run.output)")
        #expect(run.errors.contains("REPORT RequestId:"))
    }

    @Test func pathWithAQueryStringHeadersAndABodyMakeTheSampleEvent() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "routes": ["POST /things/{id}"]]])
        let run = try await invoke([
            "echo", "--path", "/things/7?verbose=1&tag=a%20b", "--header", "X-Trace-Me: yes", "--header", "Accept: text/csv",
            "--body", #"{"name": "ada"}"#, "--config", project.configFile, "--no-build",
        ])
        #expect(run.status == .exited(0), "\(run.errors)")
        let result = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        let echoed = try JSONSerialization.jsonObject(with: Data((result?["body"] as? String ?? "").utf8)) as? [String: Any]
        let event = echoed?["event"] as? [String: Any] ?? [:]
        #expect(event["rawPath"] as? String == "/things/7")
        #expect(event["rawQueryString"] as? String == "verbose=1&tag=a%20b")
        #expect(event["queryStringParameters"] as? [String: String] == ["verbose": "1", "tag": "a b"])
        #expect((event["pathParameters"] as? [String: String])?["id"] == "7")
        let headers = event["headers"] as? [String: String] ?? [:]
        #expect(headers["x-trace-me"] == "yes")
        #expect(headers["accept"] == "text/csv")
        #expect(headers["content-type"] == "application/json")
        #expect(event["body"] as? String == #"{"name": "ada"}"#)
        #expect(event["isBase64Encoded"] as? Bool == false)
    }

    @Test(arguments: [
        (["nope"], "no function named nope"),
        (["echo", "--event", "-"], "the event on standard input is not JSON"),
        (["echo", "--header", "no colon here"], "--header must be \"Name: value\""),
        (["echo", "--path", "/elsewhere", "--method", "DELETE"], "matches none of echo's routes"),
        (["echo", "--event", "/no/such/event.json"], "cannot read the event file"),
    ])
    func badRequestsAreClearErrors(arguments: [String], message: String) async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "routes": ["GET /echo"]]])
        let run = try await invoke(arguments + ["--config", project.configFile, "--no-build"])
        #expect(run.status == .exited(1))
        #expect(run.errors.contains(message), "\(run.errors)")
    }

    /// `invoke` does not run SwiftPM again for a function built after its sources, the SDK and the manifest last changed.
    @Test func aFunctionBuiltAfterItsLastChangeIsNotRebuilt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("invoke-built-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["Functions/f", "Sources/FunctionKit", ".build/debug"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        // Times after the folders' own (which change as files are written), in seconds from now.
        let now = Date.now
        func write(_ path: String, at seconds: TimeInterval) throws {
            try "x".write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: now + seconds], ofItemAtPath: root + "/" + path)
        }
        try write("Package.swift", at: 1_000)
        try write("Functions/f/main.swift", at: 2_000)
        try write("Sources/FunctionKit/Kit.swift", at: 2_000)
        let function = FunctionDefinition(
            name: "f", kind: .swift(productName: "f"), directory: root + "/Functions/f", settings: FunctionSettings(), routes: [])
        let builder = SwiftFunctionBuilder(projectDirectory: root)
        #expect(builder.upToDateBinDirectory(for: [function]) == nil, "never built")
        try write(".build/debug/f", at: 3_000)
        #expect(builder.upToDateBinDirectory(for: [function]) == root + "/.build/debug")
        try write("Functions/f/main.swift", at: 4_000)
        #expect(builder.upToDateBinDirectory(for: [function]) == nil, "the function changed since")
        try write(".build/debug/f", at: 5_000)
        try write("Sources/FunctionKit/Kit.swift", at: 6_000)
        #expect(builder.upToDateBinDirectory(for: [function]) == nil, "the SDK changed since")
    }

    @Test func aNodeFunctionIsInvokedOnTheBuiltInRuntimeAndAMissingNodeIsNamed() async throws {
        let project = try TestProject(functions: [:], sources: [
            "web": ["index.mjs": "export const handler = async (event) => ({ statusCode: 200, body: event.rawPath });\n"],
        ])
        let run = try await invoke(["web", "--config", project.configFile, "--no-build"])
        #expect(run.status == .exited(0), "\(run.errors)")
        let result = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        #expect(result?["body"] as? String == "/web", "\(run.output)")

        let withoutNode = try await invoke(
            ["web", "--config", project.configFile, "--no-build"], environment: ["PATH": project.directory])
        #expect(withoutNode.status == .exited(1))
        #expect(withoutNode.errors.contains(
            "function web is a nodejs function and there is no `node` on PATH: install Node.js 18 or later (Debian: apt-get install nodejs)"),
            "\(withoutNode.errors)")
    }

    private func invoke(_ arguments: [String], environment: [String: String] = [:]) async throws -> StormProcess.Result {
        let process = try await StormProcess.start(arguments, command: "invoke", environment: environment)
        return await process.finish()
    }
}
