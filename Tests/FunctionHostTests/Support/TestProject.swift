import Foundation

/// A throwaway project folder: a runtime.json and a Functions/ folder of
/// test functions, all using ``TestRuntime``'s bootstrap. Removed on deinit.
final class TestProject: Sendable {
    let directory: String

    /// Creates the project; `functions` maps a function name to its runtime.json entry
    /// (whose `handler` picks the bootstrap's behaviour). The functions named in
    /// `swiftFunctions` are Swift functions instead: their folder holds a
    /// placeholder `main.swift`, and the host (started with `--no-build`) runs
    /// the package's product of that name, built beside the test runner.
    /// The functions named in `sources` hold those files (relative path to
    /// text) and no bootstrap: Node.js and Python functions for the built-in
    /// runtimes; they may have no runtime.json entry (`functions` leaves them out).
    init(
        functions: [String: [String: Any]], swiftFunctions: Set<String> = [],
        sources: [String: [String: String]] = [:],
        defaults: [String: Any] = [:], extra: [String: Any] = [:]
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("host-test-\(UUID().uuidString)").path
        let functionsDirectory = directory + "/Functions"
        try FileManager.default.createDirectory(atPath: functionsDirectory, withIntermediateDirectories: true)
        for (name, files) in sources {
            for (path, text) in files {
                let file = functionsDirectory + "/" + name + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            }
        }
        for name in functions.keys where sources[name] == nil {
            let folder = functionsDirectory + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if swiftFunctions.contains(name) {
                try "// Served by the package's `\(name)` product.\n".write(toFile: folder + "/main.swift", atomically: true, encoding: .utf8)
                continue
            }
            let bootstrap = folder + "/bootstrap"
            try TestRuntime.bootstrap.write(toFile: bootstrap, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bootstrap)
        }
        var config: [String: Any] = ["database": NSNull(), "functions": functions]
        if !defaults.isEmpty { config["defaults"] = defaults }
        for (key, value) in extra { config[key] = value }
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted])
        try data.write(to: URL(fileURLWithPath: directory + "/runtime.json"))
    }

    var configFile: String { directory + "/runtime.json" }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
