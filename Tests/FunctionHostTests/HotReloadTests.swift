import Foundation
import Testing

/// Hot reload: the host watches the functions while it serves, rebuilds a
/// changed Swift function and serves the new code without a restart; a broken
/// edit keeps the last good build serving.
@Suite struct HotReloadTests {
    @Test func anEditedSwiftFunctionServesItsNewCodeAndABrokenEditKeepsTheOld() async throws {
        let project = try ReloadProject()
        try project.writeFunction(version: "v1")
        let host = try await HostProcess.start(configFile: project.configFile, building: true)
        #expect(try await body(host, "/greeter") == "v1")

        // A request in flight while the function is rebuilt finishes on the old instance.
        async let inFlight = host.request("GET", "/greeter?slow=1")
        #expect(try await HostProcess.eventually(10) { try await host.instances("greeter", "busy") == 1 })
        try project.writeFunction(version: "v2")
        #expect(await HostProcess.eventually(120) { host.log.contains("greeter now serve the new code") }, "\(host.log)")
        let old = try await inFlight
        #expect(old.status == 200 && String(decoding: old.body, as: UTF8.self) == "v1")
        #expect(try await body(host, "/greeter") == "v2")

        // A broken edit: the compiler's message is shown and v2 keeps serving.
        try project.writeFunction(version: "v3", appending: "this is not Swift(")
        #expect(await HostProcess.eventually(120) { host.log.contains("Reload: the build failed") }, "\(host.log)")
        #expect(host.log.contains("error:"), "the compiler's message is shown")
        #expect(try await body(host, "/greeter") == "v2")
        let reload = try await host.json("GET", "/_emulator/stats").object["reload"] as? [String: Any]
        #expect(reload?["status"] as? String == "failed")
        #expect((reload?["error"] as? String)?.contains("error:") == true)
    }

    /// A custom runtime's change is served while the compiler still builds a Swift function.
    @Test func aCustomRuntimeEditIsNotQueuedBehindASwiftBuild() async throws {
        let project = try ReloadProject(withCustomRuntime: "echo")
        try project.writeFunction(version: "v1")
        let host = try await HostProcess.start(configFile: project.configFile, building: true)
        #expect(try await body(host, "/greeter") == "v1")
        let first = try await host.request("GET", "/echo")

        try project.writeFunction(version: "v2")
        #expect(await HostProcess.eventually(30) { host.log.contains("Reload: building greeter") }, "\(host.log)")
        try "# a handler file the runtime does not read\n".write(
            toFile: project.directory + "/Functions/echo/handler.py", atomically: true, encoding: .utf8)
        #expect(await HostProcess.eventually(120) {
            host.log.contains("echo now serve the new code") && host.log.contains("greeter now serve the new code")
        }, "\(host.log)")
        let echoServed = try #require(host.log.range(of: "echo now serve the new code")).lowerBound
        let greeterServed = try #require(host.log.range(of: "greeter now serve the new code")).lowerBound
        #expect(echoServed < greeterServed, "the custom runtime did not wait for the Swift build: \(host.log)")
        #expect(try await host.request("GET", "/echo").headers["x-instance"] != first.headers["x-instance"])
        #expect(try await body(host, "/greeter") == "v2")
    }

    @Test func anEditedCustomRuntimeIsReplacedWithoutABuild() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let first = try await host.request("GET", "/echo")
        let handler = project.directory + "/Functions/echo/handler.py"
        try "# a handler file the runtime does not read\n".write(toFile: handler, atomically: true, encoding: .utf8)
        #expect(await HostProcess.eventually(15) { host.log.contains("echo now serve the new code") }, "\(host.log)")
        let second = try await host.request("GET", "/echo")
        #expect(second.status == 200)
        #expect(second.headers["x-instance"] != first.headers["x-instance"], "a fresh instance after the change")
        #expect(try await host.stats("echo")["coldStarts"] as? Int == 2)
    }

    @Test func anEditedNodeFunctionServesItsNewCodeWithoutABuild() async throws {
        let version = { (text: String) in "export const handler = async () => ({ statusCode: 200, body: '\(text)' });\n" }
        let project = try TestProject(functions: [:], sources: ["web": ["index.mjs": version("v1")]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await body(host, "/web") == "v1")
        try version("v2").write(toFile: project.directory + "/Functions/web/index.mjs", atomically: true, encoding: .utf8)
        #expect(await HostProcess.eventually(15) { host.log.contains("web now serve the new code") }, "\(host.log)")
        #expect(try await body(host, "/web") == "v2")
    }

    @Test func runtimeJSONChangesApplyWithoutARestartAndSayWhatNeedsOne() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "environment": ["COLOR": "red"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await environment(host, "/echo")["COLOR"] == "red")

        // A new function folder, new routes and environment, and an account limit (which needs a restart).
        let added = project.directory + "/Functions/added"
        try FileManager.default.createDirectory(atPath: added, withIntermediateDirectories: true)
        try TestRuntime.bootstrap.write(toFile: added + "/bootstrap", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: added + "/bootstrap")
        try #"""
            {"database": null, "accountConcurrency": 7, "functions": {
              "echo": {"handler": "echo", "routes": ["GET /colors"], "environment": {"COLOR": "blue"}},
              "added": {"handler": "echo"}
            }}
            """#.write(toFile: project.configFile, atomically: true, encoding: .utf8)
        // The new folder and runtime.json may be seen by two reloads; the restart notice comes from the second.
        #expect(await HostProcess.eventually(15) {
            host.log.contains("Reload: now serving added") && host.log.contains("accountConcurrency changed")
        }, "\(host.log)")
        #expect(host.log.contains("ANY /added/{proxy+}  http://127.0.0.1:\(host.port)/added/{proxy+}  (custom runtime)"),
                "a new function is listed with its URLs, as at start: \(host.log)")
        #expect(try await environment(host, "/colors")["COLOR"] == "blue")
        #expect(try await host.request("GET", "/echo").status == 404, "its routes were replaced")
        #expect(try await host.request("GET", "/added").status == 200)
        let (_, events) = try await EventStreamReader.read(port: host.port, path: "/_emulator/events") { $0.count >= 2 }
        let routes = try #require(events.last?.object["routes"] as? [[String: String]])
        #expect(Set(routes.map { $0["route"] ?? "" }) == ["GET /colors", "ANY /added", "ANY /added/{proxy+}"], "the dashboard's storm form offers the new routes")
        #expect(host.log.contains("runtime.json accountConcurrency changed; it takes effect after a restart"))

        // An invalid runtime.json changes nothing and says why.
        try #"{"database": null, "functions": {"echo": {"memoryMB": 1}}}"#.write(toFile: project.configFile, atomically: true, encoding: .utf8)
        #expect(await HostProcess.eventually(15) { host.log.contains("Still serving the previous configuration") }, "\(host.log)")
        #expect(host.log.contains("functions.echo.memoryMB"))
        #expect(try await environment(host, "/colors")["COLOR"] == "blue")
        #expect(try await host.json("GET", "/_emulator/stats").object["reload"].flatMap { ($0 as? [String: Any])?["status"] as? String } == "failed")
    }

    private func environment(_ host: HostProcess, _ path: String) async throws -> [String: String] {
        let (status, data, _) = try await host.request("GET", path)
        #expect(status == 200)
        let echoed = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return echoed?["env"] as? [String: String] ?? [:]
    }

    private func body(_ host: HostProcess, _ path: String) async throws -> String {
        let (status, data, _) = try await host.request("GET", path)
        #expect(status == 200)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A Swift package with one function that needs no dependencies, so the host
/// builds it in seconds: a Runtime API client in the standard library.
private final class ReloadProject: Sendable {
    let directory: String

    /// The package; with `customRuntime`, a custom-runtime function of that name beside the Swift one.
    init(withCustomRuntime customRuntime: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/Functions/greeter", withIntermediateDirectories: true)
        if let customRuntime {
            let bootstrap = directory + "/Functions/\(customRuntime)/bootstrap"
            try FileManager.default.createDirectory(atPath: directory + "/Functions/\(customRuntime)", withIntermediateDirectories: true)
            try TestRuntime.bootstrap.write(toFile: bootstrap, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bootstrap)
        }
        try """
            // swift-tools-version:5.10
            import PackageDescription

            let package = Package(
                name: "reload-test", targets: [.executableTarget(name: "greeter", path: "Functions/greeter")])

            """.write(toFile: directory + "/Package.swift", atomically: true, encoding: .utf8)
        let entries = [#""greeter": {}"#] + (customRuntime.map { [#""\#($0)": {"handler": "echo"}"#] } ?? [])
        try #"{"database": null, "functions": {\#(entries.joined(separator: ", "))}}"#.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    var configFile: String { directory + "/runtime.json" }

    /// Writes the function answering `version` (plus `appending`, to break it).
    func writeFunction(version: String, appending extra: String = "") throws {
        let source = Self.source.replacingOccurrences(of: "VERSION", with: version) + "\n" + extra + "\n"
        try source.write(toFile: directory + "/Functions/greeter/main.swift", atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let source = #"""
import Glibc

// A Lambda Runtime API client in the standard library only, so the package builds in seconds.
let api = String(cString: getenv("AWS_LAMBDA_RUNTIME_API"))
let parts = api.split(separator: ":")
let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = in_port_t(UInt16(parts[1])!).bigEndian
inet_pton(AF_INET, String(parts[0]), &address.sin_addr)
_ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }

var pending: [UInt8] = []
func send(_ text: String) { var bytes = Array(text.utf8); _ = write(fd, &bytes, bytes.count) }
func readResponse() -> (headers: String, body: String) {
    while true {
        if let end = pending.indices.first(where: { pending[$0...].starts(with: Array("\r\n\r\n".utf8)) }) {
            let headers = String(decoding: pending[..<end], as: UTF8.self)
            let length = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .map { Int(String($0.split(separator: ":")[1].drop { $0 == " " }))! } ?? 0
            if pending.count >= end + 4 + length {
                let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                pending.removeFirst(end + 4 + length)
                return (headers, body)
            }
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { exit(1) }
        pending += buffer[0..<count]
    }
}
while true {
    send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n")
    let (headers, event) = readResponse()
    let id = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("lambda-runtime-aws-request-id:") }!
        .split(separator: ":")[1].drop { $0 == " " }
    if event.contains("slow") { sleep(3) }
    let answer = #"{"statusCode": 200, "body": "VERSION"}"#
    send("POST /2018-06-01/runtime/invocation/\(id)/response HTTP/1.1\r\nHost: runtime\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)")
    _ = readResponse()
}
"""#
}
