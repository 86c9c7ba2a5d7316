/// A function the host serves: a folder in `Functions/` with its settings.
public struct FunctionDefinition: Sendable, Equatable {
    /// The folder's name, which is the function's name.
    public var name: String
    /// How the function's instances are started.
    public var kind: FunctionKind
    /// Absolute path of the function's folder (the working directory of a custom runtime).
    public var directory: String
    /// The merged settings (built-in defaults, `"defaults"`, the function's entry).
    public var settings: FunctionSettings
    /// The routes it serves: the entry's `routes`, or `ANY /<name>` and
    /// `ANY /<name>/{proxy+}`.
    public var routes: [Route]

    /// Creates a definition from its parts.
    public init(name: String, kind: FunctionKind, directory: String, settings: FunctionSettings, routes: [Route]) {
        self.name = name
        self.kind = kind
        self.directory = directory
        self.settings = settings
        self.routes = routes
    }

    /// `_HANDLER`: the `"handler"` setting, or the runtime's default
    /// (``FunctionKind/defaultHandler``); nil when neither says one.
    public var handler: String? {
        settings.handler ?? kind.defaultHandler
    }

    /// The routes of a function without `routes`: `ANY /<name>` and `ANY /<name>/{proxy+}`.
    public static func defaultRoutes(for name: String) -> [Route] {
        [
            Route(method: nil, segments: [.literal(name)]),
            Route(method: nil, segments: [.literal(name), .greedy("proxy")]),
        ]
    }
}

/// How a function's instances are started.
public enum FunctionKind: Sendable, Equatable {
    /// A Swift function: the folder holds `.swift` files, built by SwiftPM as
    /// the executable product `productName` (the folder's name).
    case swift(productName: String)
    /// A custom runtime: the executable at `bootstrapPath` (absolute), started
    /// with the function's folder as working directory.
    case customRuntime(bootstrapPath: String)
    /// A Node.js function: `*.js`, `*.mjs` or `*.cjs` files run by the
    /// emulator's built-in Node.js runtime client on the machine's `node`.
    case nodejs
    /// A Python function: `*.py` files run by the emulator's built-in Python
    /// runtime client on the machine's `python3`.
    case python

    /// The handler a function of this kind runs without a `"handler"` setting:
    /// `index.handler` for Node.js (as Lambda's console writes), `handler.handle`
    /// for Python (what `emulator new --runtime python` writes); none for Swift
    /// and custom runtimes, which get no `_HANDLER` unless runtime.json gives one.
    public var defaultHandler: String? {
        switch self {
        case .nodejs: "index.handler"
        case .python: "handler.handle"
        case .swift, .customRuntime: nil
        }
    }

    /// The kind's name in the start-up table and messages.
    public var displayName: String {
        switch self {
        case .swift: "swift"
        case .customRuntime: "custom runtime"
        case .nodejs: "nodejs"
        case .python: "python"
        }
    }
}
