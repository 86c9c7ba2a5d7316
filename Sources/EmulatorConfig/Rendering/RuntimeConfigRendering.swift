extension RuntimeConfig {
    /// The configuration as runtime.json text with every key written, the
    /// defaults included (`emulator config` can print it). Loading the text
    /// from the same folder gives back an equal configuration.
    public var jsonText: String {
        var top: [(String, JSONText)] = [
            ("port", .integer(port)),
            ("mode", .string(mode.rawValue)),
            ("database", database.map(Self.render) ?? .null),
            ("pool", Self.render(pool)),
            ("sqlOverHTTP", sqlOverHTTP.map(Self.render) ?? .null),
            ("defaults", Self.render(defaults, routes: nil)),
            ("accountConcurrency", .integer(accountConcurrency)),
            ("burst", .object([
                ("capacity", .integer(burst.capacity)),
                ("refillAmount", .integer(burst.refillAmount)),
                ("refillIntervalSeconds", .number(burst.refillIntervalSeconds)),
            ])),
            ("apiGateway", .object([
                ("stageVariables", .object(apiGateway.stageVariables.keys.sorted().map { ($0, .string(apiGateway.stageVariables[$0] ?? "")) })),
                ("errorDetailsInBody", .bool(apiGateway.errorDetailsInBody)),
            ])),
        ]
        let entries = functions.keys.sorted().map { name in (name, Self.render(functions[name] ?? FunctionEntry())) }
        top.append(("functions", .object(entries)))
        return JSONText.object(top).rendered() + "\n"
    }

    private static func render(_ database: DatabaseSettings) -> JSONText {
        var members: [(String, JSONText)] = [
            ("url", database.url.map(JSONText.string) ?? .null),
            ("managed", .object([
                ("port", .integer(database.managed.port)),
                ("maxConnections", .integer(database.managed.maxConnections)),
                ("tls", .bool(database.managed.tls)),
            ])),
        ]
        if let setup = database.setup { members.append(("setup", .string(setup))) }
        return .object(members)
    }

    private static func render(_ endpoint: SQLOverHTTPSettings) -> JSONText {
        .object([
            ("port", .integer(endpoint.port)),
            ("maxRequestBytes", .integer(endpoint.maxRequestBytes)),
            ("maxResponseBytes", .integer(endpoint.maxResponseBytes)),
        ])
    }

    private static func render(_ pool: PoolSettings) -> JSONText {
        .object([
            ("port", .integer(pool.port)),
            ("mode", .string(pool.mode.rawValue)),
            ("maxServerConnections", .integer(pool.maxServerConnections)),
            ("acquireTimeoutMs", .integer(pool.acquireTimeoutMs)),
            ("maxClientConnections", .integer(pool.maxClientConnections)),
            ("serverIdleTimeoutSeconds", .number(pool.serverIdleTimeoutSeconds)),
            ("serverLifetimeSeconds", .number(pool.serverLifetimeSeconds)),
            ("clientAuth", .string(pool.clientAuth.rawValue)),
            ("maxPreparedStatements", .integer(pool.maxPreparedStatements)),
            ("tls", .string(pool.tls.rawValue)),
        ])
    }

    private static func render(_ settings: FunctionSettings, routes: [Route]?) -> JSONText {
        render(FunctionEntry(
            timeoutSeconds: settings.timeoutSeconds, memoryMB: settings.memoryMB,
            maxConcurrency: settings.maxConcurrency, idleTimeoutSeconds: settings.idleTimeoutSeconds,
            coldStartDelayMs: settings.coldStartDelayMs, freezeIdle: settings.freezeIdle, routes: routes,
            handler: settings.handler,
            environment: settings.environment, database: settings.database, runtime: settings.runtime
        ))
    }

    private static func render(_ entry: FunctionEntry) -> JSONText {
        var members: [(String, JSONText)] = []
        if let routes = entry.routes { members.append(("routes", .array(routes.map { .string($0.routeKey) }))) }
        if let handler = entry.handler { members.append(("handler", .string(handler))) }
        if let value = entry.timeoutSeconds { members.append(("timeoutSeconds", .number(value))) }
        if let value = entry.memoryMB { members.append(("memoryMB", .integer(value))) }
        if let value = entry.maxConcurrency { members.append(("maxConcurrency", .integer(value))) }
        if let value = entry.idleTimeoutSeconds { members.append(("idleTimeoutSeconds", .number(value))) }
        if let value = entry.coldStartDelayMs { members.append(("coldStartDelayMs", .integer(value))) }
        if let value = entry.freezeIdle { members.append(("freezeIdle", .bool(value))) }
        if let environment = entry.environment {
            let variables = environment.keys.sorted().map { ($0, JSONText.string(environment[$0] ?? "")) }
            members.append(("environment", .object(variables)))
        }
        if let value = entry.database { members.append(("database", .string(value.rawValue))) }
        if let value = entry.runtime { members.append(("runtime", .string(value.rawValue))) }
        return .object(members)
    }
}
