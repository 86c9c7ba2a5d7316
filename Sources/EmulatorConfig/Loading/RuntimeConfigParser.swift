import Foundation

/// Turns the parsed runtime.json into a ``RuntimeConfig``, checking every key,
/// type and range.
struct RuntimeConfigParser {
    let reader: ConfigReader
    let projectDirectory: String

    /// Keys of a function entry; `"defaults"` takes the same but `routes` and `runtime`.
    static let functionKeys = [
        "routes", "handler", "timeoutSeconds", "memoryMB", "maxConcurrency",
        "idleTimeoutSeconds", "coldStartDelayMs", "freezeIdle", "environment", "database", "runtime",
    ]

    /// Ports: 1-65535, or 0 for "any free port".
    static let ports = 0...65535
    /// Memory sizes Lambda allows.
    static let memorySizes = 128...10240
    /// Lambda's longest timeout, in seconds.
    static let longestTimeout = 900.0

    func fill(_ config: inout RuntimeConfig, from root: JSONValue) throws(ConfigError) {
        let top = try reader.object(root, at: "", allowed: [
            "port", "mode", "database", "pool", "sqlOverHTTP", "defaults", "accountConcurrency", "burst", "apiGateway",
            "functions",
        ])
        if let value = top["port"] { config.port = try reader.integer(value, at: "port", in: Self.ports) }
        if let value = top["mode"] { config.mode = try reader.enumeration(value, at: "mode", as: DatabaseMode.self) }
        if let value = top["database"] { config.database = try database(value) }
        if let value = top["pool"] { config.pool = try pool(value) }
        if let value = top["sqlOverHTTP"] { config.sqlOverHTTP = try sqlOverHTTP(value) }
        if let value = top["defaults"] {
            config.defaults = FunctionSettings().overlaid(with: try functionEntry(value, at: "defaults", allowsRoutes: false))
        }
        if let value = top["accountConcurrency"] {
            config.accountConcurrency = try reader.integer(value, at: "accountConcurrency", in: 1...Int.max)
        }
        if let value = top["burst"] { config.burst = try burst(value) }
        if let value = top["apiGateway"] { config.apiGateway = try apiGateway(value) }
        if let value = top["functions"] { config.functions = try functions(value) }
        try checkPoolFitsManagedDatabase(config, top: top)
        try checkHTTPHasEndpoint(config, top: top)
    }

    /// SQL over HTTP, as the mode or a function's `database`, needs the endpoint.
    private func checkHTTPHasEndpoint(_ config: RuntimeConfig, top: [String: JSONValue]) throws(ConfigError) {
        guard config.sqlOverHTTP == nil, config.database != nil else { return }
        let endpoint = top["sqlOverHTTP"]
        if config.mode == .http, let mode = top["mode"] {
            throw reader.error(mode, "mode", "\"http\" needs the SQL-over-HTTP endpoint, but \"sqlOverHTTP\" is null")
        }
        let users = (config.defaults.database == .http ? ["defaults"] : [])
            + config.functions.keys.sorted().filter { config.functions[$0]?.database == .http }.map { "functions." + $0 }
        guard let first = users.first else { return }
        throw ConfigError(
            file: reader.file, location: endpoint?.location, keyPath: "sqlOverHTTP",
            message: "null, but \(first).database is \"http\", which needs the SQL-over-HTTP endpoint")
    }

    /// A pool in front of the managed database cannot hold more connections
    /// than the database accepts.
    private func checkPoolFitsManagedDatabase(_ config: RuntimeConfig, top: [String: JSONValue]) throws(ConfigError) {
        guard let database = config.database, database.url == nil,
              config.pool.maxServerConnections > database.managed.maxConnections else { return }
        let poolValue = top["pool"].flatMap { Self.member($0, "maxServerConnections") }
        let managedValue = top["database"].flatMap { Self.member($0, "managed") }.flatMap { Self.member($0, "maxConnections") }
        // Point at the pool's setting when written, else at the database's
        // (one of them is written: the defaults fit).
        let (keyPath, value) = poolValue.map { ("pool.maxServerConnections", $0) }
            ?? ("database.managed.maxConnections", managedValue)
        throw ConfigError(
            file: reader.file, location: value?.location, keyPath: keyPath,
            message: "pool.maxServerConnections (\(config.pool.maxServerConnections)) is more than the managed database's "
                + "database.managed.maxConnections (\(database.managed.maxConnections)); raise maxConnections or lower maxServerConnections"
        )
    }

    private static func member(_ object: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = object.kind else { return nil }
        return members.first { $0.key == key }?.value
    }

    // MARK: - database

    private func database(_ value: JSONValue) throws(ConfigError) -> DatabaseSettings? {
        if case .null = value.kind { return nil }
        let members = try reader.object(value, at: "database", allowed: ["url", "managed", "setup"])
        var settings = DatabaseSettings()
        if let value = members["url"] {
            settings.url = try reader.optionalString(value, at: "database.url")
            if let url = settings.url, !DatabaseURL.isValid(url) {
                throw reader.error(value, "database.url", "expected a postgres:// or postgresql:// URL with a host, or null, got \"\(DatabaseURL.redacted(url))\"")
            }
        }
        if let value = members["managed"] {
            let managed = try reader.object(value, at: "database.managed", allowed: ["port", "maxConnections", "tls"])
            if let value = managed["port"] {
                settings.managed.port = try reader.integer(value, at: "database.managed.port", in: Self.ports)
            }
            if let value = managed["maxConnections"] {
                settings.managed.maxConnections = try reader.integer(value, at: "database.managed.maxConnections", in: 5...10000)
            }
            if let value = managed["tls"] {
                settings.managed.tls = try reader.boolean(value, at: "database.managed.tls")
            }
        }
        if let value = members["setup"], let path = try reader.optionalString(value, at: "database.setup") {
            let absolute = RuntimeConfig.absolutePath(path, from: projectDirectory)
            var isDirectory: ObjCBool = false
            guard !path.isEmpty, FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory),
                  !isDirectory.boolValue else {
                throw reader.error(value, "database.setup", "no SQL file at \(absolute) (paths are relative to the folder of runtime.json)")
            }
            settings.setup = absolute
        }
        return settings
    }

    // MARK: - pool

    private func pool(_ value: JSONValue) throws(ConfigError) -> PoolSettings {
        let members = try reader.object(value, at: "pool", allowed: [
            "port", "mode", "maxServerConnections", "acquireTimeoutMs", "maxClientConnections",
            "serverIdleTimeoutSeconds", "serverLifetimeSeconds", "clientAuth", "maxPreparedStatements", "tls",
        ])
        var pool = PoolSettings()
        if let value = members["port"] { pool.port = try reader.integer(value, at: "pool.port", in: Self.ports) }
        if let value = members["mode"] { pool.mode = try reader.enumeration(value, at: "pool.mode", as: PoolingMode.self) }
        if let value = members["maxServerConnections"] {
            pool.maxServerConnections = try reader.integer(value, at: "pool.maxServerConnections", in: 1...10000)
        }
        if let value = members["acquireTimeoutMs"] {
            pool.acquireTimeoutMs = try reader.integer(value, at: "pool.acquireTimeoutMs", in: 1...3_600_000)
        }
        if let value = members["maxClientConnections"] {
            pool.maxClientConnections = try reader.integer(value, at: "pool.maxClientConnections", in: 1...1_000_000)
        }
        if let value = members["serverIdleTimeoutSeconds"] {
            pool.serverIdleTimeoutSeconds = try reader.number(value, at: "pool.serverIdleTimeoutSeconds", greaterThan: 0, atMost: 86_400)
        }
        if let value = members["serverLifetimeSeconds"] {
            pool.serverLifetimeSeconds = try reader.number(value, at: "pool.serverLifetimeSeconds", greaterThan: 0, atMost: 604_800)
        }
        if let value = members["clientAuth"] {
            pool.clientAuth = try reader.enumeration(value, at: "pool.clientAuth", as: ClientAuthMethod.self)
        }
        if let value = members["maxPreparedStatements"] {
            pool.maxPreparedStatements = try reader.integer(value, at: "pool.maxPreparedStatements", in: 1...100_000)
        }
        if let value = members["tls"] {
            pool.tls = try reader.enumeration(value, at: "pool.tls", as: PoolTLSMode.self)
        }
        return pool
    }

    // MARK: - sqlOverHTTP

    private func sqlOverHTTP(_ value: JSONValue) throws(ConfigError) -> SQLOverHTTPSettings? {
        if case .null = value.kind { return nil }
        let members = try reader.object(value, at: "sqlOverHTTP", allowed: ["port", "maxRequestBytes", "maxResponseBytes"])
        var settings = SQLOverHTTPSettings()
        if let value = members["port"] { settings.port = try reader.integer(value, at: "sqlOverHTTP.port", in: Self.ports) }
        if let value = members["maxRequestBytes"] {
            settings.maxRequestBytes = try reader.integer(value, at: "sqlOverHTTP.maxRequestBytes", in: 1024...1_073_741_824)
        }
        if let value = members["maxResponseBytes"] {
            settings.maxResponseBytes = try reader.integer(value, at: "sqlOverHTTP.maxResponseBytes", in: 1024...1_073_741_824)
        }
        return settings
    }

    // MARK: - burst

    private func burst(_ value: JSONValue) throws(ConfigError) -> BurstSettings {
        let members = try reader.object(value, at: "burst", allowed: ["capacity", "refillAmount", "refillIntervalSeconds"])
        var burst = BurstSettings()
        if let value = members["capacity"] { burst.capacity = try reader.integer(value, at: "burst.capacity", in: 1...Int.max) }
        if let value = members["refillAmount"] {
            burst.refillAmount = try reader.integer(value, at: "burst.refillAmount", in: 1...Int.max)
        }
        if let value = members["refillIntervalSeconds"] {
            burst.refillIntervalSeconds = try reader.number(value, at: "burst.refillIntervalSeconds", greaterThan: 0, atMost: 3600)
        }
        return burst
    }

    // MARK: - apiGateway

    private func apiGateway(_ value: JSONValue) throws(ConfigError) -> APIGatewaySettings {
        let members = try reader.object(value, at: "apiGateway", allowed: ["stageVariables", "errorDetailsInBody"])
        var settings = APIGatewaySettings()
        if let value = members["stageVariables"] {
            for member in try reader.anyObject(value, at: "apiGateway.stageVariables") {
                let keyPath = "apiGateway.stageVariables." + member.key
                // API Gateway: names are alphanumeric or `_`; values add `-._~:/?#&=,` and spaces.
                guard !member.key.isEmpty, member.key.unicodeScalars.allSatisfy(Self.isStageVariableNameCharacter) else {
                    throw ConfigError(
                        file: reader.file, location: member.keyLocation, keyPath: keyPath,
                        message: "invalid stage variable name \"\(member.key)\" (letters, digits and _)")
                }
                guard case .string(let text) = member.value.kind else {
                    throw reader.error(member.value, keyPath, "expected a string, got \(member.value.summary) (write numbers and booleans in quotes)")
                }
                settings.stageVariables[member.key] = text
            }
        }
        if let value = members["errorDetailsInBody"] {
            settings.errorDetailsInBody = try reader.boolean(value, at: "apiGateway.errorDetailsInBody")
        }
        return settings
    }

    private static func isStageVariableNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_")
    }

    // MARK: - functions

    private func functions(_ value: JSONValue) throws(ConfigError) -> [String: FunctionEntry] {
        var entries: [String: FunctionEntry] = [:]
        for member in try reader.anyObject(value, at: "functions") {
            let keyPath = "functions." + member.key
            guard FunctionName.isValid(member.key) else {
                throw ConfigError(
                    file: reader.file, location: member.keyLocation, keyPath: keyPath,
                    message: "invalid function name \"\(member.key)\": \(FunctionName.rule)"
                )
            }
            entries[member.key] = try functionEntry(member.value, at: keyPath, allowsRoutes: true)
        }
        return entries
    }

    private func functionEntry(_ value: JSONValue, at keyPath: String, allowsRoutes: Bool) throws(ConfigError) -> FunctionEntry {
        let allowed = allowsRoutes ? Self.functionKeys : Self.functionKeys.filter { $0 != "routes" && $0 != "runtime" }
        let members = try reader.object(value, at: keyPath, allowed: allowed)
        func path(_ key: String) -> String { keyPath + "." + key }
        var entry = FunctionEntry()
        if let value = members["routes"] { entry.routes = try routes(value, at: path("routes")) }
        if let value = members["handler"] {
            let handler = try reader.string(value, at: path("handler"))
            guard !handler.isEmpty else { throw reader.error(value, path("handler"), "expected a non-empty string") }
            entry.handler = handler
        }
        if let value = members["timeoutSeconds"] {
            entry.timeoutSeconds = try reader.number(value, at: path("timeoutSeconds"), greaterThan: 0, atMost: Self.longestTimeout)
        }
        if let value = members["memoryMB"] {
            entry.memoryMB = try reader.integer(value, at: path("memoryMB"), in: Self.memorySizes)
        }
        if let value = members["maxConcurrency"] {
            entry.maxConcurrency = try reader.integer(value, at: path("maxConcurrency"), in: 1...Int.max)
        }
        if let value = members["idleTimeoutSeconds"] {
            entry.idleTimeoutSeconds = try reader.number(value, at: path("idleTimeoutSeconds"), greaterThan: 0, atMost: 86_400)
        }
        if let value = members["coldStartDelayMs"] {
            entry.coldStartDelayMs = try reader.integer(value, at: path("coldStartDelayMs"), in: 0...600_000)
        }
        if let value = members["freezeIdle"] { entry.freezeIdle = try reader.boolean(value, at: path("freezeIdle")) }
        if let value = members["environment"] { entry.environment = try environment(value, at: path("environment")) }
        if let value = members["database"] {
            entry.database = try reader.enumeration(value, at: path("database"), as: DatabaseTransport.self)
        }
        if let value = members["runtime"] {
            entry.runtime = try reader.enumeration(value, at: path("runtime"), as: FunctionRuntimeName.self)
        }
        return entry
    }

    private func routes(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> [Route] {
        let elements = try reader.array(value, at: keyPath)
        guard !elements.isEmpty else {
            throw reader.error(value, keyPath, "expected at least one route; leave \"routes\" out for the default routes")
        }
        var routes: [Route] = []
        var shapes: [String: String] = [:]
        for (index, element) in elements.enumerated() {
            let elementPath = "\(keyPath)[\(index)]"
            let text = try reader.string(element, at: elementPath)
            let route: Route
            do {
                route = try Route(parsing: text)
            } catch {
                throw reader.error(element, elementPath, error.description)
            }
            if let first = shapes[route.shape] {
                throw reader.error(element, elementPath, "route \"\(text)\" duplicates \"\(first)\"")
            }
            shapes[route.shape] = text
            routes.append(route)
        }
        return routes
    }

    private func environment(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> [String: String] {
        var environment: [String: String] = [:]
        for member in try reader.anyObject(value, at: keyPath) {
            let variablePath = keyPath + "." + member.key
            guard ReservedEnvironment.isValidName(member.key) else {
                throw ConfigError(
                    file: reader.file, location: member.keyLocation, keyPath: variablePath,
                    message: "invalid environment variable name \"\(member.key)\" (letters, digits and _, not starting with a digit)"
                )
            }
            guard !ReservedEnvironment.contains(member.key) else {
                throw ConfigError(
                    file: reader.file, location: member.keyLocation, keyPath: variablePath,
                    message: "\(member.key) is reserved: the emulator sets it for every instance"
                )
            }
            guard case .string(let text) = member.value.kind else {
                throw reader.error(member.value, variablePath, "expected a string, got \(member.value.summary) (write numbers and booleans in quotes)")
            }
            environment[member.key] = text
        }
        return environment
    }
}
