import Foundation
import EmulatorConfig
import Testing

@Suite("Errors in runtime.json")
struct ConfigErrorTests {
    /// Loads `text` and checks that the error names the file, the key path
    /// and (when given) the line, and that its message contains `message`.
    private func expectError(
        _ text: String, keyPath: String?, line: Int? = nil, message: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let project = try TemporaryProject()
        let error = try project.loadError(text)
        #expect(error.file == project.configPath, sourceLocation: sourceLocation)
        #expect(error.keyPath == keyPath, sourceLocation: sourceLocation)
        if let line { #expect(error.location?.line == line, sourceLocation: sourceLocation) }
        #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(project.configPath + ":"), sourceLocation: sourceLocation)
        if let keyPath { #expect(error.description.contains(": \(keyPath): "), sourceLocation: sourceLocation) }
    }

    @Test("a JSON syntax error names the file, line and column")
    func syntaxError() throws {
        let project = try TemporaryProject()
        let error = try project.loadError("{\n  \"port\": 3000,\n  \"mode\": \"pooled\"\n  \"pool\": {}\n}\n")
        #expect(error.file == project.configPath)
        #expect(error.location == TextPosition(line: 4, column: 3))
        #expect(error.description == "\(project.configPath):4:3: invalid JSON: unexpected '\"', expected ',' or '}' in an object")
    }

    @Test("syntax errors of every kind are reported with their position", arguments: [
        ("", 1, 1, "unexpected end of file"),
        ("{\"port\": 30,}", 1, 13, "expected a key"),
        ("{\"port\": 030}", 1, 11, "leading zeros"),
        ("{\"mode\": \"pooled}", 1, 10, "unterminated string"),
        ("{\"port\": 3000}\n{}", 2, 1, "after the end of the document"),
        ("{\"port\": tru}", 1, 13, "expected 'true'"),
        ("{\"mode\": \"a\\qb\"}", 1, 12, "invalid escape \\q"),
        ("{\n\"port\": 1,\n\"port\": 2}", 3, 1, "duplicate key \"port\" (first written at 2:1)"),
        ("{\"mode\": \"é\" x}", 1, 14, "unexpected 'x'"),
        ("// comment\n{}", 1, 1, "unexpected '/'"),
    ])
    func syntaxErrors(text: String, line: Int, column: Int, message: String) throws {
        let project = try TemporaryProject()
        let error = try project.loadError(text)
        #expect(error.location == TextPosition(line: line, column: column), "\(error)")
        #expect(error.message.hasPrefix("invalid JSON: "))
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("the top level must be an object")
    func topLevelNotObject() throws {
        try expectError("[1, 2]", keyPath: nil, line: 1, message: "expected an object, got an array")
    }

    @Test("an unknown top-level key is named, with a suggestion")
    func unknownTopLevelKey() throws {
        try expectError("{\n  \"prot\": 3000\n}", keyPath: "prot", line: 2, message: "unknown key \"prot\" (did you mean \"port\"?)")
    }

    @Test("an unknown nested key is named with its path")
    func unknownNestedKey() throws {
        try expectError(#"{"database": {"managed": {"maxConnection": 10}}}"#, keyPath: "database.managed.maxConnection",
                        message: "did you mean \"maxConnections\"?")
        try expectError(#"{"pool": {"size": 10}}"#, keyPath: "pool.size", message: "unknown key \"size\"")
        try expectError(#"{"burst": {"rate": 10}}"#, keyPath: "burst.rate", message: "unknown key \"rate\"")
        try expectError(#"{"apiGateway": {"stage": "dev"}}"#, keyPath: "apiGateway.stage", message: "unknown key \"stage\"")
    }

    @Test("an unknown key in a function entry or in defaults is named")
    func unknownFunctionKey() throws {
        try expectError(#"{"functions": {"users": {"timeout": 5}}}"#, keyPath: "functions.users.timeout",
                        message: "unknown key \"timeout\" (did you mean \"timeoutSeconds\"?)")
        try expectError(#"{"defaults": {"routes": ["GET /x"]}}"#, keyPath: "defaults.routes", message: "unknown key \"routes\"")
    }

    @Test("wrong types name the key and show the value", arguments: [
        (#"{"functions": {"users": {"maxConcurrency": "ten"}}}"#, "functions.users.maxConcurrency", #"expected an integer, got "ten""#),
        (#"{"port": "3000"}"#, "port", #"expected an integer, got "3000""#),
        (#"{"port": 3000.5}"#, "port", "expected an integer, got 3000.5"),
        (#"{"mode": true}"#, "mode", #"expected "pooled" or "direct" or "http", got true"#),
        (#"{"database": "postgres://x"}"#, "database", #"expected an object, got "postgres://x""#),
        (#"{"database": {"url": 5}}"#, "database.url", "expected a string or null, got 5"),
        (#"{"pool": {"serverIdleTimeoutSeconds": "1"}}"#, "pool.serverIdleTimeoutSeconds", #"expected a number, got "1""#),
        (#"{"defaults": {"timeoutSeconds": null}}"#, "defaults.timeoutSeconds", "expected a number, got null"),
        (#"{"functions": []}"#, "functions", "expected an object, got an array"),
        (#"{"functions": {"f": 1}}"#, "functions.f", "expected an object, got 1"),
        (#"{"functions": {"f": {"routes": "GET /f"}}}"#, "functions.f.routes", #"expected an array, got "GET /f""#),
        (#"{"functions": {"f": {"routes": ["GET /f", 7]}}}"#, "functions.f.routes[1]", "expected a string, got 7"),
        (#"{"functions": {"f": {"handler": ["a"]}}}"#, "functions.f.handler", "expected a string, got an array"),
        (#"{"functions": {"f": {"environment": {"PAGE_SIZE": 10}}}}"#, "functions.f.environment.PAGE_SIZE", "expected a string, got 10"),
        (#"{"functions": {"f": {"environment": ["A=1"]}}}"#, "functions.f.environment", "expected an object, got an array"),
        (#"{"apiGateway": []}"#, "apiGateway", "expected an object, got an array"),
        (#"{"apiGateway": {"stageVariables": {"table": 1}}}"#, "apiGateway.stageVariables.table", "expected a string, got 1"),
        (#"{"apiGateway": {"stageVariables": {"bad-name": "x"}}}"#, "apiGateway.stageVariables.bad-name", "invalid stage variable name"),
        (#"{"apiGateway": {"errorDetailsInBody": "yes"}}"#, "apiGateway.errorDetailsInBody", #"got "yes""#),
    ])
    func wrongTypes(text: String, keyPath: String, message: String) throws {
        try expectError(text, keyPath: keyPath, line: 1, message: message)
    }

    @Test("values out of range are errors naming the range", arguments: [
        (#"{"port": 70000}"#, "port", "expected an integer from 0 to 65535, got 70000"),
        (#"{"port": -1}"#, "port", "from 0 to 65535"),
        (#"{"mode": "pool"}"#, "mode", #"expected "pooled" or "direct" or "http", got "pool""#),
        (#"{"pool": {"mode": "statement"}}"#, "pool.mode", #"expected "transaction" or "session", got "statement""#),
        (#"{"pool": {"clientAuth": "password"}}"#, "pool.clientAuth", #""scram-sha-256" or "md5" or "trust""#),
        (#"{"pool": {"tls": "on"}}"#, "pool.tls", #"expected "off" or "allow" or "require", got "on""#),
        (#"{"pool": {"maxServerConnections": 0}}"#, "pool.maxServerConnections", "from 1 to 10000"),
        (#"{"pool": {"acquireTimeoutMs": 0}}"#, "pool.acquireTimeoutMs", "from 1 to 3600000"),
        (#"{"pool": {"maxPreparedStatements": 0}}"#, "pool.maxPreparedStatements", "from 1 to 100000"),
        (#"{"pool": {"serverLifetimeSeconds": 0}}"#, "pool.serverLifetimeSeconds", "greater than 0"),
        (#"{"database": {"managed": {"maxConnections": 2}}}"#, "database.managed.maxConnections", "from 5 to 10000"),
        (#"{"database": {"managed": {"port": 65536}}}"#, "database.managed.port", "from 0 to 65535"),
        (#"{"database": {"url": "mysql://localhost/db"}}"#, "database.url", "expected a postgres:// or postgresql:// URL"),
        (#"{"defaults": {"timeoutSeconds": 0}}"#, "defaults.timeoutSeconds", "greater than 0 and at most 900, got 0"),
        (#"{"defaults": {"timeoutSeconds": 901}}"#, "defaults.timeoutSeconds", "at most 900"),
        (#"{"defaults": {"memoryMB": 64}}"#, "defaults.memoryMB", "from 128 to 10240, got 64"),
        (#"{"functions": {"f": {"memoryMB": 20000}}}"#, "functions.f.memoryMB", "from 128 to 10240"),
        (#"{"functions": {"f": {"maxConcurrency": 0}}}"#, "functions.f.maxConcurrency", "of at least 1, got 0"),
        (#"{"functions": {"f": {"idleTimeoutSeconds": -1}}}"#, "functions.f.idleTimeoutSeconds", "greater than 0"),
        (#"{"functions": {"f": {"idleTimeoutSeconds": 1e19}}}"#, "functions.f.idleTimeoutSeconds", "at most 86400"),
        (#"{"pool": {"serverLifetimeSeconds": 1e300}}"#, "pool.serverLifetimeSeconds", "at most 604800"),
        (#"{"functions": {"f": {"coldStartDelayMs": -5}}}"#, "functions.f.coldStartDelayMs", "from 0 to 600000"),
        (#"{"defaults": {"freezeIdle": "yes"}}"#, "defaults.freezeIdle", "expected true or false, got"),
        (#"{"functions": {"f": {"handler": ""}}}"#, "functions.f.handler", "expected a non-empty string"),
        (#"{"functions": {"f": {"routes": []}}}"#, "functions.f.routes", "expected at least one route"),
        (#"{"accountConcurrency": 0}"#, "accountConcurrency", "of at least 1"),
        (#"{"burst": {"capacity": 0}}"#, "burst.capacity", "of at least 1"),
        (#"{"burst": {"refillIntervalSeconds": 0}}"#, "burst.refillIntervalSeconds", "greater than 0"),
    ])
    func outOfRange(text: String, keyPath: String, message: String) throws {
        try expectError(text, keyPath: keyPath, line: 1, message: message)
    }

    @Test("a pool larger than the managed database is an error")
    func poolLargerThanManagedDatabase() throws {
        try expectError(
            #"{"database": {"managed": {"maxConnections": 20}}, "pool": {"maxServerConnections": 30}}"#,
            keyPath: "pool.maxServerConnections", line: 1, message: "(30) is more than the managed database's database.managed.maxConnections (20)"
        )
        try expectError(
            #"{"database": {"managed": {"maxConnections": 8}}}"#,
            keyPath: "database.managed.maxConnections", line: 1, message: "pool.maxServerConnections (10) is more than"
        )
        let project = try TemporaryProject()
        let external = try project.load(#"{"database": {"url": "postgres://h/db", "managed": {"maxConnections": 8}}}"#)
        #expect(external.pool.maxServerConnections == 10)
    }

    @Test("a database url's password never appears in an error")
    func passwordRedacted() throws {
        let project = try TemporaryProject()
        let error = try project.loadError(#"{"database": {"url": "mysql://u:hunter2@h/db"}}"#)
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("mysql://u:***@h/db"))
    }

    @Test("a setup file that does not exist is an error naming the resolved path")
    func missingSetupFile() throws {
        let project = try TemporaryProject()
        let error = try project.loadError(#"{"database": {"setup": "db/setup.sql"}}"#)
        #expect(error.keyPath == "database.setup")
        #expect(error.message.contains("no SQL file at \(project.root)/db/setup.sql"))
    }

    @Test("bad route syntax names the route and what is wrong", arguments: [
        ("/users", "expected \"METHOD /path\""),
        ("GET", "expected \"METHOD /path\""),
        ("FETCH /users", "unknown method \"FETCH\""),
        ("GET users", "must start with \"/\""),
        ("GET /users/", "empty path segment"),
        ("GET /a//b", "empty path segment"),
        ("GET /users/{id", "unclosed or empty parameter"),
        ("GET /users/{}", "unclosed or empty parameter"),
        ("GET /users/x{id}", "must be a whole segment"),
        ("GET /{proxy+}/x", "must be the last one"),
        ("GET /{id}/{id}", "appears twice"),
        ("GET /a b", "expected \"METHOD /path\""),
        ("GET /{a.b}", "parameter name \"a.b\""),
        ("GET /a?b", "not allowed in a path"),
    ])
    func badRoutes(route: String, message: String) throws {
        try expectError(
            #"{"functions": {"f": {"routes": ["GET /ok", "\#(route)"]}}}"#,
            keyPath: "functions.f.routes[1]", line: 1, message: message
        )
    }

    @Test("a route written twice for one function is an error")
    func duplicateRouteInOneFunction() throws {
        try expectError(
            #"{"functions": {"f": {"routes": ["GET /u/{id}", "GET /u/{name}"]}}}"#,
            keyPath: "functions.f.routes[1]", message: #"route "GET /u/{name}" duplicates "GET /u/{id}""#
        )
    }

    @Test("reserved environment variables cannot be set", arguments: [
        "DATABASE_URL", "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "LAMBDA_TASK_ROOT",
        "DATABASE_PROXY_URL", "DB_HOST", "PGPORT", "PGAPPNAME", "AWS_DEFAULT_REGION",
    ])
    func reservedEnvironment(name: String) throws {
        try expectError(
            #"{"functions": {"f": {"environment": {"OK": "1", "\#(name)": "x"}}}}"#,
            keyPath: "functions.f.environment.\(name)", line: 1, message: "\(name) is reserved"
        )
        try expectError(
            #"{"defaults": {"environment": {"\#(name)": "x"}}}"#,
            keyPath: "defaults.environment.\(name)", message: "is reserved"
        )
    }

    @Test("invalid environment variable names are errors")
    func invalidEnvironmentName() throws {
        try expectError(#"{"functions": {"f": {"environment": {"1ABC": "x"}}}}"#,
                        keyPath: "functions.f.environment.1ABC", message: "invalid environment variable name")
        try expectError(#"{"functions": {"f": {"environment": {"A-B": "x"}}}}"#,
                        keyPath: "functions.f.environment.A-B", message: "invalid environment variable name")
    }

    @Test("invalid function names in functions are errors")
    func invalidFunctionName() throws {
        try expectError(#"{"functions": {"my func": {}}}"#, keyPath: "functions.my func", message: "invalid function name")
        try expectError(#"{"functions": {"../etc": {}}}"#, keyPath: "functions.../etc", message: "invalid function name")
    }

    @Test("a runtime.json that is not UTF-8 or is a folder is an error")
    func unreadableFile() throws {
        let project = try TemporaryProject()
        try Data([0x7B, 0xFF, 0x7D]).write(to: URL(fileURLWithPath: project.configPath))
        let notText = #expect(throws: ConfigError.self) { try RuntimeConfig.load(path: project.configPath) }
        #expect(notText?.description == "\(project.configPath): is not UTF-8 text")

        let folder = #expect(throws: ConfigError.self) { try RuntimeConfig.load(path: project.root) }
        #expect(folder?.message.contains("is a folder") == true)
    }
}
