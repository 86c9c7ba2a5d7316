import ChildProcess
import Foundation
import Testing

/// `emulator new`: a function folder that answers at once, and its runtime.json entry.
@Suite struct NewCommandTests {
    @Test func aNewPythonFunctionAnswersOnceServed() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let created = try await emulator(["new", "report", "--runtime", "python", "--config", project.configFile])
        #expect(created.status == .exited(0), "\(created.output)")
        #expect(created.output.contains("Created Functions/report (python)"))
        let config = try String(contentsOfFile: project.configFile, encoding: .utf8)
        #expect(config.contains(#""report": { "routes": ["GET /report"], "handler": "handler.handle" }"#), "\(config)")

        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/report?name=Ada")
        #expect(status == 200)
        #expect(body["message"] as? String == "Hello, Ada, from report!")
        #expect(try await host.request("GET", "/echo").status == 200, "the other functions still serve")
        // Only its handler: the emulator's built-in Python runtime runs it.
        #expect(!FileManager.default.fileExists(atPath: project.directory + "/Functions/report/bootstrap"))
    }

    @Test(arguments: [["--node"], ["--runtime", "node"], ["--runtime", "nodejs"]])
    func aNewNodeFunctionAnswersOnceServed(flags: [String]) async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let created = try await emulator(["new", "hi-node"] + flags + ["--config", project.configFile])
        #expect(created.status == .exited(0), "\(created.output)")
        #expect(created.output.contains("Created Functions/hi-node (node)"))
        #expect(FileManager.default.fileExists(atPath: project.directory + "/Functions/hi-node/index.mjs"))
        #expect(!FileManager.default.fileExists(atPath: project.directory + "/Functions/hi-node/bootstrap"))
        let config = try String(contentsOfFile: project.configFile, encoding: .utf8)
        #expect(config.contains(#""hi-node": { "routes": ["GET /hi-node"] }"#), "\(config)")

        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/hi-node?name=Ada")
        #expect(status == 200, "\(host.log)")
        #expect(body["message"] as? String == "Hello, Ada, from hi-node!")
        #expect(body["function"] as? String == "hi-node")
    }

    @Test func nodeAndAnotherRuntimeContradict() async throws {
        let project = try TestProject(functions: [:])
        let refused = try await emulator(["new", "x", "--node", "--runtime", "python", "--config", project.configFile])
        #expect(refused.status == .exited(64))
        #expect(refused.output.contains("--node and --runtime python contradict each other"), "\(refused.output)")
    }

    @Test func aNewSwiftFunctionTypeChecksAgainstTheSDK() async throws {
        let project = try TestProject(functions: [:])
        let created = try await emulator(["new", "greet", "--config", project.configFile])
        #expect(created.status == .exited(0), "\(created.output)")
        let source = project.directory + "/Functions/greet/main.swift"
        let text = try String(contentsOfFile: source, encoding: .utf8)
        #expect(text.contains("from greet!") && !text.contains("{{name}}"))
        #expect(try String(contentsOfFile: project.configFile, encoding: .utf8).contains(#""greet": { "routes": ["GET /greet"] }"#))

        // Type-check it against the SDK modules `swift test` built (building it would mean
        // building the whole package again in the project).
        let swiftc = try #require(ProcessSpec.findExecutable("swiftc"))
        let check = try await ChildProcess.run(
            ProcessSpec(
                executable: swiftc,
                arguments: ["-typecheck", "-I", HostProcess.binDirectory + "/Modules"]
                    + Self.clangModuleMaps().flatMap { ["-Xcc", "-fmodule-map-file=" + $0] } + [source],
                environment: ProcessInfo.processInfo.environment, output: .pipe),
            timeout: .seconds(120))
        #expect(check.status == .exited(0), "\(check.output)")
    }

    /// The module maps of the C modules the SDK's dependencies use: those SwiftPM
    /// generated next to the products, and those the checked-out packages ship.
    private static func clangModuleMaps() -> [String] {
        let build = URL(fileURLWithPath: HostProcess.binDirectory).resolvingSymlinksInPath()
        let generated = (try? FileManager.default.contentsOfDirectory(atPath: build.path))?
            .map { build.path + "/" + $0 + "/module.modulemap" } ?? []
        let checkouts = build.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkouts")
        let shipped = FileManager.default.enumerator(atPath: checkouts.path)?
            .compactMap { $0 as? String }
            .filter { $0.hasSuffix("/include/module.modulemap") }
            .map { checkouts.path + "/" + $0 } ?? []
        return (generated + shipped).filter { FileManager.default.fileExists(atPath: $0) }
    }

    @Test func existingFoldersEntriesAndBadNamesAreRefusedWithoutWritingAnything() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let before = try String(contentsOfFile: project.configFile, encoding: .utf8)

        let existing = try await emulator(["new", "echo", "--runtime", "python", "--config", project.configFile])
        #expect(existing.status == .exited(1))
        #expect(existing.output.contains("functions.echo already has an entry"), "\(existing.output)")

        try FileManager.default.createDirectory(atPath: project.directory + "/Functions/taken", withIntermediateDirectories: true)
        let taken = try await emulator(["new", "taken", "--config", project.configFile])
        #expect(taken.status == .exited(1))
        #expect(taken.output.contains("Functions/taken already exists"), "\(taken.output)")

        let bad = try await emulator(["new", "no/slashes", "--config", project.configFile])
        #expect(bad.status == .exited(64))
        #expect(bad.output.contains("is not a usable function name"))
        #expect(try String(contentsOfFile: project.configFile, encoding: .utf8) == before)
    }

    private func emulator(_ arguments: [String]) async throws -> (status: TerminationStatus, output: String) {
        let result = try await ChildProcess.run(ProcessSpec(
            executable: HostProcess.binDirectory + "/emulator", arguments: arguments,
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"], output: .pipe),
            timeout: .seconds(60))
        return (result.status, result.output)
    }
}
