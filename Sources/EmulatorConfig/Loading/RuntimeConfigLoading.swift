import Foundation

extension RuntimeConfig {
    /// Reads and checks the runtime.json at `path` (relative paths are taken
    /// from the current directory). The project is the folder holding it.
    ///
    /// Throws a ``ConfigError`` naming the file, line and key for a missing or
    /// unreadable file, a JSON syntax error, an unknown key, a wrong type or a
    /// value out of range.
    public static func load(path: String) throws(ConfigError) -> RuntimeConfig {
        try load(absolutePath: absolutePath(path, from: FileManager.default.currentDirectoryPath), displayName: path)
    }

    /// Reads the runtime.json at `absolute`, naming it `path` in messages.
    private static func load(absolutePath absolute: String, displayName path: String) throws(ConfigError) -> RuntimeConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw ConfigError(file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(file: path, message: "is a folder; expected a runtime.json file")
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigError(file: path, message: "cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "is not UTF-8 text")
        }
        return try parse(text, configFile: absolute, displayName: path)
    }

    /// Checks runtime.json text as if it were the file `configFile` (an
    /// absolute path: the project is its folder). Messages name the file as
    /// `displayName`, or its last path component when nil. A leading UTF-8
    /// byte order mark is ignored.
    public static func parse(_ text: String, configFile: String, displayName: String? = nil) throws(ConfigError) -> RuntimeConfig {
        let file = displayName ?? URL(fileURLWithPath: configFile).lastPathComponent
        let root: JSONValue
        do {
            root = try JSONParser.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        } catch {
            throw ConfigError(file: file, location: error.location, message: "invalid JSON: \(error.message)")
        }
        let configURL = URL(fileURLWithPath: configFile).standardizedFileURL
        var config = RuntimeConfig(projectDirectory: configURL.deletingLastPathComponent().path)
        config.configFile = configURL.path
        try RuntimeConfigParser(reader: ConfigReader(file: file), projectDirectory: config.projectDirectory)
            .fill(&config, from: root)
        return config
    }

    /// The configuration the emulator serves, found the way the command line
    /// promises: `configPath` when given (an error if it does not exist);
    /// else `runtime.json` in `workingDirectory`; else, when
    /// `workingDirectory` has a `Functions/` folder, ``defaultConfig(projectDirectory:)``;
    /// else an error saying what is missing.
    public static func resolve(configPath: String?, workingDirectory: String) throws(ConfigError) -> RuntimeConfig {
        if let configPath {
            return try load(absolutePath: absolutePath(configPath, from: workingDirectory), displayName: configPath)
        }
        let directory = absolutePath(workingDirectory, from: FileManager.default.currentDirectoryPath)
        let candidate = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        if FileManager.default.fileExists(atPath: candidate) {
            return try load(absolutePath: candidate, displayName: fileName)
        }
        var isDirectory: ObjCBool = false
        let functions = URL(fileURLWithPath: directory).appendingPathComponent("Functions").path
        if FileManager.default.fileExists(atPath: functions, isDirectory: &isDirectory), isDirectory.boolValue {
            return defaultConfig(projectDirectory: directory)
        }
        throw ConfigError(
            file: directory,
            message: "no runtime.json and no Functions/ folder here; run the emulator in a project folder or pass --config PATH"
        )
    }

    /// `path` made absolute against `base` and standardized.
    static func absolutePath(_ path: String, from base: String) -> String {
        let url = path.hasPrefix("/")
            ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }
}
