import EmulatorConfig
import Foundation
import Testing

@Suite("Loading")
struct LoadingTests {
    static let fullConfig = #"""
    {
      "port": 3100,
      "mode": "direct",
      "database": {
        "url": "postgresql://app:secret@db.internal:5433/app",
        "managed": { "port": 55000, "maxConnections": 80, "tls": false },
        "setup": "db/setup.sql"
      },
      "pool": {
        "port": 6500, "mode": "session", "maxServerConnections": 20,
        "acquireTimeoutMs": 250, "maxClientConnections": 100,
        "serverIdleTimeoutSeconds": 1.5, "serverLifetimeSeconds": 600,
        "clientAuth": "md5", "maxPreparedStatements": 50, "tls": "require"
      },
      "defaults": {
        "timeoutSeconds": 10, "memoryMB": 512, "maxConcurrency": 50,
        "idleTimeoutSeconds": 0.5, "coldStartDelayMs": 100, "handler": "main.handler",
        "environment": { "LOG_LEVEL": "info", "REGION_NAME": "eu" }
      },
      "accountConcurrency": 200,
      "burst": { "capacity": 30, "refillAmount": 5, "refillIntervalSeconds": 2 },
      "apiGateway": { "stageVariables": { "table": "users_dev", "Mode_2": "a b/c" }, "errorDetailsInBody": true },
      "functions": {
        "users": {
          "routes": ["GET /users", "get /users/{id}", "ANY /users/{id}/files/{path+}"],
          "maxConcurrency": 5, "timeoutSeconds": 2.5,
          "environment": { "PAGE_SIZE": "10", "LOG_LEVEL": "debug" }
        },
        "report": { "handler": "app.handler", "memoryMB": 1024, "freezeIdle": true, "database": "http" },
        "empty": {}
      }
    }
    """#

    @Test("every key of a full runtime.json is read")
    func fullConfigIsRead() throws {
        let project = try TemporaryProject()
        try project.write("SELECT 1;\n", to: "db/setup.sql")
        let config = try project.load(Self.fullConfig)

        #expect(config.port == 3100)
        #expect(config.mode == .direct)
        #expect(config.database == DatabaseSettings(
            url: "postgresql://app:secret@db.internal:5433/app",
            managed: ManagedDatabaseSettings(port: 55000, maxConnections: 80, tls: false),
            setup: project.root + "/db/setup.sql"
        ))
        #expect(config.pool == PoolSettings(
            port: 6500, mode: .session, maxServerConnections: 20, acquireTimeoutMs: 250,
            maxClientConnections: 100, serverIdleTimeoutSeconds: 1.5, serverLifetimeSeconds: 600, clientAuth: .md5,
            maxPreparedStatements: 50, tls: .require
        ))
        #expect(config.defaults == FunctionSettings(
            timeoutSeconds: 10, memoryMB: 512, maxConcurrency: 50, idleTimeoutSeconds: 0.5,
            coldStartDelayMs: 100, routes: nil, handler: "main.handler",
            environment: ["LOG_LEVEL": "info", "REGION_NAME": "eu"]
        ))
        #expect(config.accountConcurrency == 200)
        #expect(config.burst == BurstSettings(capacity: 30, refillAmount: 5, refillIntervalSeconds: 2))
        #expect(config.apiGateway == APIGatewaySettings(
            stageVariables: ["table": "users_dev", "Mode_2": "a b/c"], errorDetailsInBody: true))
        #expect(config.functions["users"] == FunctionEntry(
            timeoutSeconds: 2.5, maxConcurrency: 5,
            routes: [
                try Route(parsing: "GET /users"), try Route(parsing: "GET /users/{id}"),
                try Route(parsing: "ANY /users/{id}/files/{path+}"),
            ],
            environment: ["PAGE_SIZE": "10", "LOG_LEVEL": "debug"]
        ))
        #expect(config.functions["report"] == FunctionEntry(
            memoryMB: 1024, freezeIdle: true, handler: "app.handler", database: .http))
        #expect(config.functions["empty"] == FunctionEntry())
    }

    @Test("a function's entry overrides the defaults; environments merge")
    func settingsMerge() throws {
        let project = try TemporaryProject()
        try project.write("SELECT 1;\n", to: "db/setup.sql")
        let config = try project.load(Self.fullConfig)

        let users = config.settings(for: "users")
        #expect(users.maxConcurrency == 5)
        #expect(users.timeoutSeconds == 2.5)
        #expect(users.memoryMB == 512)
        #expect(users.idleTimeoutSeconds == 0.5)
        #expect(users.coldStartDelayMs == 100)
        #expect(users.handler == "main.handler")
        #expect(users.environment == ["LOG_LEVEL": "debug", "REGION_NAME": "eu", "PAGE_SIZE": "10"])
        #expect(users.routes?.map(\.routeKey) == ["GET /users", "GET /users/{id}", "ANY /users/{id}/files/{path+}"])

        let report = config.settings(for: "report")
        #expect(report.handler == "app.handler")
        #expect(report.memoryMB == 1024)
        #expect(report.freezeIdle)
        #expect(report.database == .http)
        #expect(!users.freezeIdle)
        #expect(report.maxConcurrency == 50)
        #expect(report.routes == nil)
        #expect(config.settings(for: "empty") == config.defaults)
    }

    @Test("jsonText of a configuration loads back to an equal configuration")
    func roundTrip() throws {
        let project = try TemporaryProject()
        try project.write("SELECT 1;\n", to: "db/setup.sql")
        let original = try project.load(Self.fullConfig)
        let reloaded = try project.load(original.jsonText)
        #expect(reloaded == original)

        let defaults = RuntimeConfig.defaultConfig(projectDirectory: project.root)
        #expect(try project.load(defaults.jsonText) == defaults)
        #expect(defaults.apiGateway == APIGatewaySettings(stageVariables: [:], errorDetailsInBody: false))
        let noDatabase = try project.load(#"{"database": null}"#)
        #expect(try project.load(noDatabase.jsonText) == noDatabase)
    }

    @Test("the project's own runtime.json loads with the documented settings")
    func repositoryConfig() throws {
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try RuntimeConfig.load(path: root.appendingPathComponent("runtime.json").path)
        #expect(config.port == 3000)
        #expect(config.mode == .pooled)
        #expect(config.database?.url == nil)
        #expect(config.database?.managed == ManagedDatabaseSettings(port: 54329, maxConnections: 40))
        #expect(config.database?.managed.tls == true)
        #expect(config.pool == PoolSettings())
        #expect(config.defaults == FunctionSettings())
        #expect(config.settings(for: "hello").routes == [try Route(parsing: "GET /hello")])
        #expect(config.settings(for: "hello-python").handler == "handler.handle")
        #expect(config.settings(for: "users").environment == ["PAGE_SIZE": "10"])
        #expect(config.settings(for: "users").database == .tcp)
        #expect(config.settings(for: "users-http").database == .http)
        #expect(config.sqlOverHTTP == SQLOverHTTPSettings(port: 4444))
        #expect(config.database?.setup == root.path + "/database/setup.sql")

        let functions = try discoverFunctions(config: config)
        #expect(functions.map(\.name) == [
            "hello", "hello-python", "orders", "users", "users-http", "users-node-client", "users-node-pool",
        ])
        #expect(functions.map(\.kind) == [
            .swift(productName: "hello"), .python,
            .swift(productName: "orders"), .swift(productName: "users"), .swift(productName: "users-http"),
            .nodejs, .nodejs,
        ])
        #expect(functions.map(\.handler) == [nil, "handler.handle", nil, nil, nil, "index.handler", "index.handler"])
    }

    @Test("a byte order mark and CRLF line endings are accepted; lines still count right")
    func byteOrderMarkAndCRLF() throws {
        let project = try TemporaryProject()
        #expect(try project.load("\u{FEFF}{\r\n  \"port\": 3001\r\n}\r\n").port == 3001)
        let error = try project.loadError("\u{FEFF}{\r\n  \"port\": 3001,\r\n  \"mode\": 1\r\n}")
        #expect(error.location == TextPosition(line: 3, column: 11))
    }

    @Test("strings with escapes and unicode are read exactly")
    func stringEscapes() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("f")
        let config = try project.load(#"""
        {"functions": {"f": {"environment": {"GREETING": "h\u00e9llo \"w\"\n\ud83d\ude00 ü"}}}}
        """#)
        #expect(config.settings(for: "f").environment["GREETING"] == "héllo \"w\"\n😀 ü")
    }
}
