import ChildProcess
import Foundation
import Testing
import TestSupport

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

    /// The start-up route table shows every route key whole, with its URL.
    @Test func routeTableShowsLongRoutesWhole() async throws {
        let long = "GET /organisations/{organisationId}/projects/{projectId}/members"
        let project = try TestProject(functions: ["members": ["handler": "echo", "routes": [long, "GET /m"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(await HostProcess.eventually(10) { host.log.contains("Dashboard:") })
        let line = host.log.split(separator: "\n").first { $0.contains("/organisations/") }
        #expect(line?.contains(long + "  http://127.0.0.1:\(host.port)/organisations/{organisationId}/projects/{projectId}/members") == true,
                "\(host.log)")
        let short = host.log.split(separator: "\n").first { $0.contains("GET /m ") }
        #expect(short?.contains("http://127.0.0.1:\(host.port)/m  (custom runtime)") == true, "\(host.log)")
    }

    /// A port in use stops the emulator naming the port and the setting that chose it.
    @Test func portInUseStopsTheHostNamingThePortAndTheSetting() async throws {
        let listener = try ListeningSocket()
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let (status, output) = try await HostProcess.runToExit(
            configFile: project.configFile, extraArguments: ["--port", String(listener.port)])
        #expect(status != .exited(0))
        #expect(output.contains("port \(listener.port) (--port) is already in use"), "\(output)")
        #expect(!output.contains("errno"), "\(output)")
    }

    /// For the pool's port too: the emulator stops instead of serving without a database.
    @Test func poolPortInUseStopsTheHostInsteadOfServingWithoutADatabase() async throws {
        let listener = try ListeningSocket()
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: ["database": ["managed": ["port": try freePort()]], "pool": ["port": listener.port], "sqlOverHTTP": NSNull()])
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("port \(listener.port) (runtime.json \"pool.port\") is already in use"), "\(output)")
        #expect(!output.contains("Serving without a database"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: project.directory + "/.emulator/postgres"), "stopped before starting the database")
    }

    @Test func aSecondEmulatorOfTheProjectIsToldTheFirstIsRunning() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let first = try await HostProcess.start(configFile: project.configFile)
        let (status, output) = try await HostProcess.runToExit(configFile: project.configFile)
        #expect(status != .exited(0))
        #expect(output.contains("another emulator of this project is running (pid \(first.process.pid), http://127.0.0.1:\(first.port))"), "\(output)")
        #expect(try await first.request("GET", "/echo").status == 200, "the first one keeps serving")
    }
}

/// A TCP socket listening on a free loopback port, closed on deinit: a port some other program holds.
private final class ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw HostError(message: "cannot listen on a loopback port: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
