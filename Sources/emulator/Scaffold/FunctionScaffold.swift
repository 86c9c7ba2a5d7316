import EmulatorConfig
import Foundation

/// The files of a new function, from the templates bundled with the emulator.
struct FunctionScaffold {
    /// The languages `emulator new` can start a function in.
    enum Runtime: String, CaseIterable {
        case swift, python, node
    }

    let name: String
    let runtime: Runtime

    /// The runtime.json entry the function gets.
    var entry: String {
        switch runtime {
        case .swift: #"{ "routes": ["GET /\#(name)"] }"#
        case .python: #"{ "routes": ["GET /\#(name)"], "handler": "handler.handle" }"#
        case .node: #"{ "routes": ["GET /\#(name)"] }"#
        }
    }

    /// Writes the function's folder into `functionsDirectory`; fails if it exists.
    func write(into functionsDirectory: String) throws {
        let folder = functionsDirectory + "/" + name
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw CommandError("\(folder) already exists")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        switch runtime {
        case .swift:
            try write(template: "swift/main.swift.template", to: folder + "/main.swift")
        case .python:
            // The emulator's built-in Python runtime runs it: no bootstrap of its own.
            try write(template: "python/handler.py.template", to: folder + "/handler.py")
        case .node:
            try write(template: "nodejs/index.mjs.template", to: folder + "/index.mjs")
        }
    }

    private func write(template: String, to path: String, permissions: Int = 0o644) throws {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw CommandError("the emulator's function templates are missing from its bundle")
        }
        let text = try String(contentsOf: templates.appendingPathComponent(template), encoding: .utf8)
        try text.replacingOccurrences(of: "{{name}}", with: name).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
    }
}
