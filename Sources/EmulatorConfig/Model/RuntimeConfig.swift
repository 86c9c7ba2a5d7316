import Foundation

/// The emulator's configuration: a project's `runtime.json`, with every
/// default filled in and every value checked.
public struct RuntimeConfig: Sendable, Equatable {
    /// Absolute path of the runtime.json (where it would be, for a project without one).
    public var configFile: String
    /// The folder holding the runtime.json: the project.
    public var projectDirectory: String
    /// `<projectDirectory>/Functions`: one folder per function.
    public var functionsDirectory: String
    /// `<projectDirectory>/.emulator`: the managed database, credentials, build output.
    public var stateDirectory: String
    /// Port of the HTTP front door (0: any free port).
    public var port: Int
    /// Whether instances reach the database through the pool or directly.
    public var mode: DatabaseMode
    /// The database, or nil when runtime.json says `"database": null`.
    public var database: DatabaseSettings?
    /// The PostgreSQL pool inside the host.
    public var pool: PoolSettings
    /// The SQL-over-HTTP endpoint in front of the pool, or nil when runtime.json says `"sqlOverHTTP": null`.
    public var sqlOverHTTP: SQLOverHTTPSettings?
    /// Built-in function defaults overlaid with runtime.json's `"defaults"`.
    public var defaults: FunctionSettings
    /// Most instances of all functions together; beyond it requests get 429.
    public var accountConcurrency: Int
    /// The token bucket limiting how fast new instances start.
    public var burst: BurstSettings
    /// Stage variables and the error body of the emulated HTTP API.
    public var apiGateway: APIGatewaySettings
    /// The `"functions"` entries as written, by function name.
    public var functions: [String: FunctionEntry]

    /// The file name every project's configuration has.
    public static let fileName = "runtime.json"

    /// Creates a configuration for the project at `projectDirectory`; every
    /// setting not given has its documented default.
    public init(
        projectDirectory: String,
        port: Int = 3000,
        mode: DatabaseMode = .pooled,
        database: DatabaseSettings? = DatabaseSettings(),
        pool: PoolSettings = PoolSettings(),
        sqlOverHTTP: SQLOverHTTPSettings? = SQLOverHTTPSettings(),
        defaults: FunctionSettings = FunctionSettings(),
        accountConcurrency: Int = 1000,
        burst: BurstSettings = BurstSettings(),
        apiGateway: APIGatewaySettings = APIGatewaySettings(),
        functions: [String: FunctionEntry] = [:]
    ) {
        let project = URL(fileURLWithPath: projectDirectory, isDirectory: true).standardizedFileURL
        self.configFile = project.appendingPathComponent(Self.fileName).path
        self.projectDirectory = project.path
        self.functionsDirectory = project.appendingPathComponent("Functions").path
        self.stateDirectory = project.appendingPathComponent(".emulator").path
        self.port = port
        self.mode = mode
        self.database = database
        self.pool = pool
        self.sqlOverHTTP = sqlOverHTTP
        self.defaults = defaults
        self.accountConcurrency = accountConcurrency
        self.burst = burst
        self.apiGateway = apiGateway
        self.functions = functions
    }

    /// The configuration of a project without a runtime.json: all defaults,
    /// a managed database, no function entries.
    public static func defaultConfig(projectDirectory: String) -> RuntimeConfig {
        RuntimeConfig(projectDirectory: projectDirectory)
    }

    /// The settings `function` runs with: ``defaults`` overlaid with its entry.
    public func settings(for function: String) -> FunctionSettings {
        guard let entry = functions[function] else { return defaults }
        return defaults.overlaid(with: entry)
    }

    /// This configuration with the host's environment applied: a non-empty
    /// `DATABASE_URL` becomes ``DatabaseSettings/url`` when runtime.json left
    /// it null. `"database": null` stays "no database"; a url written in
    /// runtime.json wins over the environment.
    public func applyingEnvironment(_ environment: [String: String]) throws(ConfigError) -> RuntimeConfig {
        guard var database, database.url == nil,
              let url = environment["DATABASE_URL"], !url.isEmpty else { return self }
        guard DatabaseURL.isValid(url) else {
            throw ConfigError(
                file: "DATABASE_URL (environment of the emulator)",
                message: "expected a postgres:// or postgresql:// URL, got \"\(DatabaseURL.redacted(url))\""
            )
        }
        database.url = url
        var config = self
        config.database = database
        return config
    }
}

/// Checks on database URLs.
enum DatabaseURL {
    /// Whether `url` has a PostgreSQL scheme and a host part.
    static func isValid(_ url: String) -> Bool {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else { return false }
        return components.host.map { !$0.isEmpty } ?? false
    }

    /// `url` with any password replaced by `***`, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
