import Foundation

/// Every function of the project: each folder in `config.functionsDirectory`,
/// sorted by name, with its settings and routes.
///
/// A folder's files say what it is (``FunctionDiscovery/kind(of:folder:settings:)``):
/// `.swift` files a Swift function, an executable `bootstrap` a custom runtime,
/// `.js`/`.mjs`/`.cjs` files a Node.js and `.py` files a Python function; the
/// function's `"runtime"` may say it instead. Throws a ``ConfigError`` for a
/// missing `Functions/` folder, an invalid folder name, a folder that fits no
/// kind (or several, or not its `"runtime"`), a `bootstrap` that is not
/// executable, a handler whose file is missing, a `"functions"` entry without
/// a folder, or two functions claiming the same route. Hidden
/// entries (`.name`) and plain files in `Functions/` are ignored.
public func discoverFunctions(config: RuntimeConfig) throws(ConfigError) -> [FunctionDefinition] {
    let discovery = FunctionDiscovery(config: config)
    let folders = try discovery.functionFolders()
    try discovery.checkEntries(against: folders)
    var definitions: [FunctionDefinition] = []
    for folder in folders {
        definitions.append(try discovery.definition(of: folder))
    }
    try discovery.checkRoutesAreUnique(definitions)
    return definitions
}

/// The steps of ``discoverFunctions(config:)``.
struct FunctionDiscovery {
    let config: RuntimeConfig
    let fileManager = FileManager.default

    /// The function folder names, sorted.
    func functionFolders() throws(ConfigError) -> [String] {
        let directory = config.functionsDirectory
        guard isDirectory(directory), let names = try? fileManager.contentsOfDirectory(atPath: directory) else {
            throw ConfigError(
                file: display(directory),
                message: "no such folder; every function is a folder in Functions/ beside \(RuntimeConfig.fileName)"
            )
        }
        var folders: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") && isDirectory(path(name)) {
            guard FunctionName.isValid(name) else {
                throw ConfigError(file: display(path(name)), message: "invalid function name \"\(name)\": \(FunctionName.rule)")
            }
            folders.append(name)
        }
        return folders
    }

    /// Every `"functions"` entry must name a folder.
    func checkEntries(against folders: [String]) throws(ConfigError) {
        for name in config.functions.keys.sorted() where !folders.contains(name) {
            let existing = folders.isEmpty ? "there are none" : "there are: " + folders.joined(separator: ", ")
            throw ConfigError(
                file: display(config.configFile), keyPath: "functions.\(name)",
                message: "no function folder \(display(path(name))); every function is a folder in Functions/ (\(existing))"
            )
        }
    }

    func definition(of name: String) throws(ConfigError) -> FunctionDefinition {
        let folder = path(name)
        let settings = config.settings(for: name)
        let kind = try self.kind(of: name, folder: folder, settings: settings)
        let definition = FunctionDefinition(
            name: name, kind: kind, directory: folder, settings: settings,
            routes: settings.routes ?? FunctionDefinition.defaultRoutes(for: name)
        )
        try checkHandler(of: definition)
        return definition
    }

    /// No two functions may serve the same method and path.
    func checkRoutesAreUnique(_ definitions: [FunctionDefinition]) throws(ConfigError) {
        var owners: [String: (function: String, route: Route)] = [:]
        for definition in definitions {
            for route in definition.routes {
                if let owner = owners[route.shape] {
                    let explicit = definition.settings.routes != nil
                    throw ConfigError(
                        file: display(config.configFile),
                        keyPath: explicit ? "functions.\(definition.name).routes" : nil,
                        message: "route \"\(route.routeKey)\" of function \(definition.name)"
                            + (explicit ? "" : " (a default route)")
                            + " is already served by function \(owner.function) (\"\(owner.route.routeKey)\")"
                    )
                }
                owners[route.shape] = (definition.name, route)
            }
        }
    }

    func path(_ name: String) -> String {
        config.functionsDirectory + "/" + name
    }

    func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// `path` relative to the current directory when it lies inside it.
    func display(_ path: String) -> String {
        let current = fileManager.currentDirectoryPath
        let prefix = current.hasSuffix("/") ? current : current + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
