import Foundation
import EmulatorConfig
import Testing

@Suite("Defaults")
struct DefaultsTests {
    @Test("an empty runtime.json gives every documented default")
    func emptyObjectGivesDefaults() throws {
        let project = try TemporaryProject()
        let config = try project.load("{}")

        #expect(config.configFile == project.root + "/runtime.json")
        #expect(config.projectDirectory == project.root)
        #expect(config.functionsDirectory == project.root + "/Functions")
        #expect(config.stateDirectory == project.root + "/.emulator")
        #expect(config.port == 3000)
        #expect(config.mode == .pooled)
        #expect(config.database == DatabaseSettings(url: nil, managed: ManagedDatabaseSettings(port: 54329, maxConnections: 40), setup: nil))
        #expect(config.pool.port == 6432)
        #expect(config.pool.mode == .transaction)
        #expect(config.pool.maxServerConnections == 10)
        #expect(config.pool.acquireTimeoutMs == 5000)
        #expect(config.pool.maxClientConnections == 5000)
        #expect(config.pool.serverIdleTimeoutSeconds == 300)
        #expect(config.pool.serverLifetimeSeconds == 3600)
        #expect(config.pool.clientAuth == .scramSHA256)
        #expect(config.pool.maxPreparedStatements == 200)
        #expect(config.pool.tls == .allow)
        #expect(config.defaults.timeoutSeconds == 30)
        #expect(config.defaults.memoryMB == 256)
        #expect(config.defaults.maxConcurrency == 1000)
        #expect(config.defaults.idleTimeoutSeconds == 60)
        #expect(config.defaults.coldStartDelayMs == 0)
        #expect(config.defaults.routes == nil)
        #expect(config.defaults.handler == nil)
        #expect(config.defaults.environment.isEmpty)
        #expect(config.accountConcurrency == 1000)
        #expect(config.burst == BurstSettings(capacity: 1000, refillAmount: 1000, refillIntervalSeconds: 10))
        #expect(config.burst.refillPerSecond == 100)
        #expect(config.functions.isEmpty)
        #expect(config == RuntimeConfig.defaultConfig(projectDirectory: project.root))
    }

    @Test("a function without an entry gets the defaults")
    func functionWithoutEntryGetsDefaults() throws {
        let project = try TemporaryProject()
        let config = try project.load(#"{"defaults": {"memoryMB": 512}}"#)
        #expect(config.settings(for: "anything") == FunctionSettings(memoryMB: 512))
    }

    @Test("\"database\": null means no database")
    func nullDatabase() throws {
        let project = try TemporaryProject()
        let config = try project.load(#"{"database": null}"#)
        #expect(config.database == nil)
    }

    @Test("a project without runtime.json but with Functions/ uses the defaults")
    func resolveWithoutConfigFile() throws {
        let project = try TemporaryProject()
        let config = try RuntimeConfig.resolve(configPath: nil, workingDirectory: project.root)
        #expect(config == RuntimeConfig.defaultConfig(projectDirectory: project.root))
    }

    @Test("a project's runtime.json is found in the working directory")
    func resolveFindsConfigFile() throws {
        let project = try TemporaryProject()
        try project.writeConfig(#"{"port": 4000}"#)
        let config = try RuntimeConfig.resolve(configPath: nil, workingDirectory: project.root)
        #expect(config.port == 4000)
        #expect(config.configFile == project.configPath)
    }

    @Test("--config names a runtime.json; its folder is the project")
    func resolveExplicitConfig() throws {
        let project = try TemporaryProject()
        try project.write(#"{"port": 4100}"#, to: "other/custom.json")
        let config = try RuntimeConfig.resolve(configPath: "other/custom.json", workingDirectory: project.root)
        #expect(config.port == 4100)
        #expect(config.projectDirectory == project.root + "/other")
        #expect(config.functionsDirectory == project.root + "/other/Functions")
    }

    @Test("a missing --config file is an error naming it")
    func resolveMissingExplicitConfig() throws {
        let project = try TemporaryProject()
        let error = #expect(throws: ConfigError.self) {
            try RuntimeConfig.resolve(configPath: "missing.json", workingDirectory: project.root)
        }
        #expect(error?.description == "missing.json: no such file")
    }

    @Test("a folder with neither runtime.json nor Functions/ is an error")
    func resolveEmptyFolder() throws {
        let project = try TemporaryProject()
        try FileManager.default.removeItem(atPath: project.root + "/Functions")
        let error = #expect(throws: ConfigError.self) {
            try RuntimeConfig.resolve(configPath: nil, workingDirectory: project.root)
        }
        #expect(error?.file == project.root)
        #expect(error?.message.contains("no runtime.json and no Functions/ folder") == true)
    }
}
