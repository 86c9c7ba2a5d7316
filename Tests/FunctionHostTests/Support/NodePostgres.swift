import ChildProcess
import Foundation

/// The real node-postgres (`pg`) for Node.js test functions: Debian's node-pg,
/// unpacked by `scripts/prepare-node-pg` into `.build/node-pg/node_modules`
/// (`.ci/run` prepares it before `swift test`; the first test that needs it
/// otherwise runs the script itself).
enum NodePostgres {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // FunctionHostTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent().path

    /// The `node_modules` folder holding `pg`, prepared once per test run.
    static let modules: Result<String, HostError> = {
        let target = packageRoot + "/.build/node-pg"
        let modules = target + "/node_modules"
        if FileManager.default.fileExists(atPath: modules + "/pg/package.json") { return .success(modules) }
        let script = Process()
        script.executableURL = URL(fileURLWithPath: packageRoot + "/scripts/prepare-node-pg")
        script.arguments = [target]
        let output = Pipe()
        script.standardOutput = output
        script.standardError = output
        do {
            try script.run()
        } catch {
            return .failure(HostError(message: "cannot run scripts/prepare-node-pg: \(error)"))
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        guard script.terminationStatus == 0, FileManager.default.fileExists(atPath: modules + "/pg/package.json") else {
            return .failure(HostError(message: "scripts/prepare-node-pg failed (\(script.terminationStatus)):\n\(text)"))
        }
        return .success(modules)
    }()

    /// Gives the function folder `folder` a `node_modules` with `pg` (a link to the prepared one).
    static func install(into folder: String) throws {
        let modules = try Self.modules.get()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/node_modules", withDestinationPath: modules)
    }
}
