import EmulatorConfig
import Foundation

/// A project folder under the temporary directory, removed when released:
/// a runtime.json and function folders written by the test.
final class TemporaryProject {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("emulator-config-\(UUID().uuidString)").standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root + "/Functions", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    var configPath: String { root + "/runtime.json" }

    /// Writes `text` as the project's runtime.json.
    func writeConfig(_ text: String) throws {
        try write(text, to: "runtime.json")
    }

    /// Writes `text` to `relativePath`, creating folders as needed.
    func write(_ text: String, to relativePath: String, executable: Bool = false) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: url.path)
    }

    /// A Swift function folder `Functions/<name>/main.swift`.
    func addSwiftFunction(_ name: String) throws {
        try write("print(\"hi\")\n", to: "Functions/\(name)/main.swift")
    }

    /// A custom runtime folder `Functions/<name>/bootstrap`.
    func addBootstrapFunction(_ name: String, executable: Bool = true) throws {
        try write("#!/bin/sh\nexit 0\n", to: "Functions/\(name)/bootstrap", executable: executable)
    }

    /// An empty folder `Functions/<name>`.
    func addEmptyFolder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/Functions/" + name, withIntermediateDirectories: true)
    }

    /// Writes `text` as runtime.json and loads it.
    func load(_ text: String) throws -> RuntimeConfig {
        try writeConfig(text)
        return try RuntimeConfig.load(path: configPath)
    }

    /// Writes `text` as runtime.json, loads it and returns the error it must cause.
    func loadError(_ text: String) throws -> ConfigError {
        try writeConfig(text)
        do {
            let config = try RuntimeConfig.load(path: configPath)
            throw UnexpectedSuccess(description: "loaded without error: \(config)")
        } catch let error as ConfigError {
            return error
        }
    }

    /// The error discovery must report for the project's runtime.json.
    func discoveryError() throws -> ConfigError {
        let config = try RuntimeConfig.load(path: configPath)
        do {
            let functions = try discoverFunctions(config: config)
            throw UnexpectedSuccess(description: "discovered without error: \(functions.map(\.name))")
        } catch let error as ConfigError {
            return error
        }
    }
}

/// Thrown when an operation expected to fail succeeded.
struct UnexpectedSuccess: Error, CustomStringConvertible {
    var description: String
}
