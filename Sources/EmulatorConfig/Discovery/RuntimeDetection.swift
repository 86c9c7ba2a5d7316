import Foundation

/// The files of a function folder that tell its kind.
struct FolderFiles {
    var swift: [String] = []
    var javaScript: [String] = []
    var python: [String] = []
    /// Whether an entry named `bootstrap` exists (even as a broken symlink).
    var hasBootstrap = false

    init(names: [String], isFile: (String) -> Bool) {
        for name in names.sorted() {
            if name == "bootstrap" { hasBootstrap = true; continue }
            guard isFile(name) else { continue }
            if name.hasSuffix(".swift") { swift.append(name) }
            if name.hasSuffix(".js") || name.hasSuffix(".mjs") || name.hasSuffix(".cjs") { javaScript.append(name) }
            if name.hasSuffix(".py") { python.append(name) }
        }
    }
}

extension FunctionDiscovery {
    /// The function's kind, from its `"runtime"` when written, else from its files.
    func kind(of name: String, folder: String, settings: FunctionSettings) throws(ConfigError) -> FunctionKind {
        let names = (try? fileManager.contentsOfDirectory(atPath: folder)) ?? []
        let files = FolderFiles(names: names) { !isDirectory(folder + "/" + $0) }
        let bootstrap = folder + "/bootstrap"
        if let runtime = settings.runtime {
            let keyPath = "functions.\(name).runtime"
            func misfit(_ needs: String) -> ConfigError {
                ConfigError(
                    file: display(config.configFile), keyPath: keyPath,
                    message: "is \"\(runtime.rawValue)\" but \(display(folder)) holds no \(needs)")
            }
            switch runtime {
            case .swift:
                guard !files.swift.isEmpty else { throw misfit("Swift sources (*.swift)") }
                return .swift(productName: name)
            // A written handler may name a file in a subfolder; checkHandler(of:) checks that it exists.
            case .nodejs:
                guard !files.javaScript.isEmpty || settings.handler != nil else { throw misfit("JavaScript file (*.js, *.mjs, *.cjs)") }
                return .nodejs
            case .python:
                guard !files.python.isEmpty || settings.handler != nil else { throw misfit("Python file (*.py)") }
                return .python
            case .provided:
                guard files.hasBootstrap else { throw misfit("bootstrap") }
                return .customRuntime(bootstrapPath: try checkedBootstrap(bootstrap))
            }
        }
        if files.hasBootstrap {
            guard files.swift.isEmpty else {
                throw ConfigError(
                    file: display(folder),
                    message: "has both .swift files and a bootstrap; a function is either Swift sources or a custom runtime")
            }
            return .customRuntime(bootstrapPath: try checkedBootstrap(bootstrap))
        }
        var found: [(kind: FunctionKind, files: String)] = []
        if !files.swift.isEmpty { found.append((.swift(productName: name), "Swift sources (*.swift)")) }
        if !files.javaScript.isEmpty { found.append((.nodejs, "JavaScript (*.js, *.mjs, *.cjs)")) }
        if !files.python.isEmpty { found.append((.python, "Python (*.py)")) }
        switch found.count {
        case 0:
            throw ConfigError(
                file: display(folder),
                message: "holds no function: add a main.swift (Swift), an index.mjs or index.js (Node.js), "
                    + "a handler.py (Python), or an executable bootstrap (custom runtime)")
        case 1:
            return found[0].kind
        default:
            throw ConfigError(
                file: display(folder),
                message: "holds both " + found.map(\.files).joined(separator: " and ")
                    + "; say which it is with \"runtime\" in functions.\(name) of \(display(config.configFile))"
                    + " (\"swift\", \"nodejs\", \"python\" or \"provided\")")
        }
    }

    /// `bootstrap` when it is an executable file; a clear error otherwise.
    private func checkedBootstrap(_ bootstrap: String) throws(ConfigError) -> String {
        if let target = try? fileManager.destinationOfSymbolicLink(atPath: bootstrap), !fileManager.fileExists(atPath: bootstrap) {
            throw ConfigError(
                file: display(bootstrap),
                message: "is a broken symlink (to \(target), which does not exist); make the bootstrap a file of the function's folder")
        }
        guard !isDirectory(bootstrap) else {
            throw ConfigError(file: display(bootstrap), message: "is a folder; a custom runtime's bootstrap must be an executable file")
        }
        guard fileManager.isExecutableFile(atPath: bootstrap) else {
            throw ConfigError(file: display(bootstrap), message: "is not executable; run: chmod +x \(display(bootstrap))")
        }
        return bootstrap
    }

    /// A built-in runtime's handler must be `file.export` and its file must exist.
    func checkHandler(of definition: FunctionDefinition) throws(ConfigError) {
        let extensions: [String]
        switch definition.kind {
        case .nodejs: extensions = [".js", ".mjs", ".cjs"]
        case .python: extensions = [".py", "/__init__.py"]
        case .swift, .customRuntime: return
        }
        guard let handler = definition.handler else { return }
        let written = definition.settings.handler != nil
        let source = written ? "functions.\(definition.name).handler" : "the default handler"
        guard let split = HandlerName(handler) else {
            throw ConfigError(
                file: display(config.configFile), keyPath: written ? "functions.\(definition.name).handler" : nil,
                message: "\(source) \"\(handler)\" is not file.export (e.g. \"\(definition.kind.defaultHandler ?? "")\")")
        }
        let base = definition.kind == .python ? split.module.replacingOccurrences(of: ".", with: "/") : split.module
        let candidates = extensions.map { base + $0 }
        guard candidates.contains(where: { fileManager.fileExists(atPath: definition.directory + "/" + $0) }) else {
            throw ConfigError(
                file: display(definition.directory), keyPath: nil,
                message: "has no " + candidates.joined(separator: " or ") + " for \(source) \"\(handler)\""
                    + (written ? "" : "; name the handler with \"handler\": \"file.export\" in functions.\(definition.name)"))
        }
    }
}

/// A built-in runtime's `_HANDLER`: `module.export`, split at the last dot.
public struct HandlerName: Sendable, Equatable {
    public var module: String
    public var export: String

    /// nil unless `text` has a non-empty module and export.
    public init?(_ text: String) {
        guard let dot = text.lastIndex(of: ".") else { return nil }
        module = String(text[..<dot])
        export = String(text[text.index(after: dot)...])
        guard !module.isEmpty, !export.isEmpty else { return nil }
    }
}
