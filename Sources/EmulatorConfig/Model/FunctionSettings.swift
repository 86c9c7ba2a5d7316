/// The settings one function runs with: the built-in defaults, overlaid with
/// runtime.json's `"defaults"`, overlaid with the function's own entry.
public struct FunctionSettings: Sendable, Equatable {
    /// An invocation running longer is killed and answered 504.
    public var timeoutSeconds: Double
    /// Reported memory size (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, REPORT lines).
    public var memoryMB: Int
    /// Most instances of this function at once; beyond it requests get 429.
    public var maxConcurrency: Int
    /// An idle instance is stopped after this many seconds.
    public var idleTimeoutSeconds: Double
    /// Extra delay added to every cold start, to mimic the cloud.
    public var coldStartDelayMs: Int
    /// Stop (SIGSTOP) an idle instance's processes between invocations and
    /// continue them for the next one, as Lambda freezes its execution environments.
    public var freezeIdle: Bool
    /// The routes written for the function, or nil for the default routes
    /// (`ANY /<name>` and `ANY /<name>/{proxy+}`).
    public var routes: [Route]?
    /// The handler string given to the instance as `_HANDLER`, if written;
    /// without it the built-in runtimes use their default (``FunctionKind/handler``).
    public var handler: String?
    /// Extra environment variables of every instance.
    public var environment: [String: String]
    /// How `Database.shared` reaches the database in pooled mode (`DATABASE_TRANSPORT`).
    public var database: DatabaseTransport
    /// The runtime runtime.json names for the function, or nil to tell it by the folder's files.
    public var runtime: FunctionRuntimeName?

    /// Creates settings; every parameter defaults to the built-in default.
    public init(
        timeoutSeconds: Double = 30,
        memoryMB: Int = 256,
        maxConcurrency: Int = 1000,
        idleTimeoutSeconds: Double = 60,
        coldStartDelayMs: Int = 0,
        freezeIdle: Bool = false,
        routes: [Route]? = nil,
        handler: String? = nil,
        environment: [String: String] = [:],
        database: DatabaseTransport = .tcp,
        runtime: FunctionRuntimeName? = nil
    ) {
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.maxConcurrency = maxConcurrency
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.coldStartDelayMs = coldStartDelayMs
        self.freezeIdle = freezeIdle
        self.routes = routes
        self.handler = handler
        self.environment = environment
        self.database = database
        self.runtime = runtime
    }

    /// These settings overlaid with what `entry` writes. Environment
    /// variables are merged, the entry's winning.
    public func overlaid(with entry: FunctionEntry) -> FunctionSettings {
        var merged = self
        if let value = entry.timeoutSeconds { merged.timeoutSeconds = value }
        if let value = entry.memoryMB { merged.memoryMB = value }
        if let value = entry.maxConcurrency { merged.maxConcurrency = value }
        if let value = entry.idleTimeoutSeconds { merged.idleTimeoutSeconds = value }
        if let value = entry.coldStartDelayMs { merged.coldStartDelayMs = value }
        if let value = entry.freezeIdle { merged.freezeIdle = value }
        if let value = entry.routes { merged.routes = value }
        if let value = entry.handler { merged.handler = value }
        if let value = entry.environment { merged.environment.merge(value) { _, new in new } }
        if let value = entry.database { merged.database = value }
        if let value = entry.runtime { merged.runtime = value }
        return merged
    }
}

/// One function's object in `"functions"` (or the `"defaults"` object), as
/// written: nil means the key is absent.
public struct FunctionEntry: Sendable, Equatable {
    /// `"timeoutSeconds"`, if written.
    public var timeoutSeconds: Double?
    /// `"memoryMB"`, if written.
    public var memoryMB: Int?
    /// `"maxConcurrency"`, if written.
    public var maxConcurrency: Int?
    /// `"idleTimeoutSeconds"`, if written.
    public var idleTimeoutSeconds: Double?
    /// `"coldStartDelayMs"`, if written.
    public var coldStartDelayMs: Int?
    /// `"freezeIdle"`, if written.
    public var freezeIdle: Bool?
    /// `"routes"`, parsed, if written (never written in `"defaults"`).
    public var routes: [Route]?
    /// `"handler"`, if written.
    public var handler: String?
    /// `"environment"`, if written.
    public var environment: [String: String]?
    /// `"database"`, if written.
    public var database: DatabaseTransport?
    /// `"runtime"`, if written (never written in `"defaults"`).
    public var runtime: FunctionRuntimeName?

    /// Creates an entry; absent keys are nil.
    public init(
        timeoutSeconds: Double? = nil,
        memoryMB: Int? = nil,
        maxConcurrency: Int? = nil,
        idleTimeoutSeconds: Double? = nil,
        coldStartDelayMs: Int? = nil,
        freezeIdle: Bool? = nil,
        routes: [Route]? = nil,
        handler: String? = nil,
        environment: [String: String]? = nil,
        database: DatabaseTransport? = nil,
        runtime: FunctionRuntimeName? = nil
    ) {
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.maxConcurrency = maxConcurrency
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.coldStartDelayMs = coldStartDelayMs
        self.freezeIdle = freezeIdle
        self.routes = routes
        self.handler = handler
        self.environment = environment
        self.database = database
        self.runtime = runtime
    }
}
