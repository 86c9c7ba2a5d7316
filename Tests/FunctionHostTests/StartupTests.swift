import ChildProcess
import Foundation
import Testing

/// Start-up: the Swift example through the host, and configuration errors that stop it.
@Suite struct StartupTests {
    @Test func swiftHelloIsServedThroughTheHost() async throws {
        let project = try TestProject(functions: [:])
        let folder = project.directory + "/Functions/hello"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "// built by SwiftPM as the hello product\n".write(toFile: folder + "/main.swift", atomically: true, encoding: .utf8)
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/hello/world")
        #expect(status == 200)
        #expect(body["message"] as? String == "Hello from Swift!")
        #expect(body["function"] as? String == "hello")
        #expect(body["path"] as? String == "/hello/world")
        let warm = try await host.json("GET", "/hello")
        #expect(warm.status == 200)
        #expect(try await host.stats("hello")["coldStarts"] as? Int == 1)
    }

    @Test func compilerErrorOfASwiftFunctionStopsTheHost() async throws {
        let project = try TestProject(functions: [:])
        let folder = project.directory + "/Functions/broken"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "let answer: Int = \"forty-two\"\n".write(toFile: folder + "/main.swift", atomically: true, encoding: .utf8)
        let manifest = """
            // swift-tools-version:6.0
            import PackageDescription
            let package = Package(name: "broken", targets: [.executableTarget(name: "broken", path: "Functions/broken")])
            """
        try manifest.write(toFile: project.directory + "/Package.swift", atomically: true, encoding: .utf8)
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile, building: true)
        #expect(status != .exited(0))
        #expect(output.contains("Building Swift functions: broken"))
        #expect(output.contains("error: cannot convert value of type 'String' to specified type 'Int'"))
    }

    @Test func unknownKeyStopsTheHostNamingFileAndKey() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "timeout": 3]])
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("runtime.json"))
        #expect(output.contains("functions.echo.timeout"))
    }

    @Test func folderWithoutSourcesOrBootstrapStopsTheHost() async throws {
        let project = try TestProject(functions: [:])
        try FileManager.default.createDirectory(atPath: project.directory + "/Functions/empty", withIntermediateDirectories: true)
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("empty"))
        #expect(output.contains("bootstrap"))
    }

    @Test func routeOfAMissingFunctionStopsTheHost() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let config = try String(contentsOfFile: project.configFile, encoding: .utf8)
            .replacingOccurrences(of: "\"functions\" : {", with: "\"functions\" : { \"ghost\": {\"routes\": [\"GET /ghost\"]},")
        try config.write(toFile: project.configFile, atomically: true, encoding: .utf8)
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("ghost"))
    }

    @Test func syntaxErrorNamesFileAndLine() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        try "{\n  \"port\": 3000,\n  oops\n}\n".write(toFile: project.configFile, atomically: true, encoding: .utf8)
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("runtime.json"))
        #expect(output.contains("3:"))
    }
}
