/// A problem with the emulator's configuration or its `Functions/` folder,
/// found at start. The description names the file, the position when known,
/// and the key path, e.g.
/// `runtime.json:12:22: functions.users.maxConcurrency: expected an integer, got "ten"`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or folder, or environment variable) the problem is in, as the
    /// user named it.
    public var file: String
    /// Where in `file` the problem is, when it is a position in a text.
    public var location: TextPosition?
    /// The dotted key path of the offending value (`functions.users.routes[1]`),
    /// or nil when the problem is not about one key.
    public var keyPath: String?
    /// What is wrong and, where possible, what to do about it.
    public var message: String

    /// Creates an error; see the properties for the meaning of each part.
    public init(file: String, location: TextPosition? = nil, keyPath: String? = nil, message: String) {
        self.file = file
        self.location = location
        self.keyPath = keyPath
        self.message = message
    }

    /// `file[:line:column]: [keyPath: ]message`.
    public var description: String {
        var text = file
        if let location { text += ":\(location.line):\(location.column)" }
        text += ": "
        if let keyPath, !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}
