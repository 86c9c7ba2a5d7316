import ArgumentParser
import ChildProcess
import EmulatorConfig
import Foundation
import FunctionHost
import Logging
import ServiceLifecycle

/// `emulator serve`: start the database side, build the functions and serve
/// them until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the functions in Functions/ over HTTP (the default command).")

    @OptionGroup var project: ProjectOptions

    @Option(help: "Front door port on 127.0.0.1 (overrides runtime.json; 0 picks a free one).")
    var port: Int?

    @Flag(help: "Do not build Swift functions; use the binaries built next to the emulator.")
    var noBuild = false

    @Flag(help: "Do not watch Functions/ for changes (hot reload is on by default).")
    var noWatch = false

    @Flag(help: "Direct mode: every instance connects straight to the database, not through the pool (overrides runtime.json).")
    var direct = false

    @Option(help: "Log lines as text, or as one JSON object per line (time, level, source, message).")
    var logFormat: LogFormat = .text

    func run() async throws {
        DescriptorLimit.raise()
        let sink = LogSink(format: logFormat)
        LoggingSystem.bootstrap { SinkLogHandler(label: $0, sink: sink) }
        let logger = Logger(label: "emulator")
        var config = try project.load()
        if let port { config.port = port }
        if direct { config.mode = .direct }
        let functions = try discoverFunctions(config: config)
        try RunningEmulator.ensureNone(stateDirectory: config.stateDirectory, projectDirectory: config.projectDirectory)
        try PortCheck.ensureFree(portClaims(config))
        // Said at start; the other functions still serve, and these answer each request with the same error.
        for problem in BuiltInRuntime.missingInterpreters(for: functions, searchPath: ProcessInfo.processInfo.environment["PATH"]) {
            sink.write("error: \(problem)")
        }
        let binDirectory = try await Self.binaries(for: functions, config: config, noBuild: noBuild, sink: sink)
        let database = await startDatabase(config, sink: sink, logger: logger)
        var hostConfiguration = HostConfiguration(config: config, functions: functions, binDirectory: binDirectory)
        if !noWatch { hostConfiguration.reload = reloadSettings(for: functions, config: config, sink: sink) }
        hostConfiguration.metrics = EmulatorMetrics.bootstrap()
        hostConfiguration.stormCommand = Self.stormCommand
        var services: [any Service] = []
        if let database {
            hostConfiguration.database = DatabaseEndpoints(
                pooled: database.pooled.text, direct: database.direct.text, http: database.sqlOverHTTP?.url)
            let sampler = DatabaseSampler(target: database.monitor, logger: logger)
            hostConfiguration.statsSections = { ["pool": await database.pool.stats().json, "database": sampler.json] }
            services.append(sampler)
        }
        let stateDirectory = config.stateDirectory
        let host = EmulatorHost(configuration: hostConfiguration, sink: sink, logger: logger) { port in
            RunningEmulator.record(port: port, stateDirectory: stateDirectory)
            for line in EmulatorHost.banner(port: port, functions: functions) { sink.write(line) }
        }
        defer { RunningEmulator.remove(stateDirectory: stateDirectory) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [host] + services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Past the drain, stalled clients must not keep the emulator alive.
        groupConfiguration.maximumGracefulShutdownDuration = hostConfiguration.drainTimeout + .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            await database?.stop()
            throw error
        }
        await database?.stop()
    }

    /// The ports without which this emulator cannot serve, each with the
    /// setting that chose it. (SQL over HTTP is not among them: without its
    /// port the emulator serves on and says "SQL over HTTP is off".)
    private func portClaims(_ config: RuntimeConfig) -> [PortCheck.Claim] {
        var claims = [PortCheck.Claim(port: config.port, setting: port != nil ? "--port" : "runtime.json \"port\"")]
        if config.database != nil {
            claims.append(PortCheck.Claim(port: config.pool.port, setting: "runtime.json \"pool.port\""))
        }
        return claims
    }

    /// A storm from the dashboard: this executable's `storm` command aimed at
    /// the host, printing its JSON report.
    @Sendable private static func stormCommand(_ request: StormRequest, target: String) -> ProcessSpec {
        var arguments = [
            "storm", request.method, request.path, "--concurrency", "\(request.concurrency)",
            "--requests", "\(request.requests)", "--target", target, "--json",
        ]
        if request.compare { arguments.append("--compare") }
        let environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        return ProcessSpec(executable: ownExecutable(), arguments: arguments, environment: environment, output: .pipe)
    }

    /// Starts the database and the pool; on failure says why and serves
    /// without them, so functions that need no database still answer.
    private func startDatabase(_ config: RuntimeConfig, sink: LogSink, logger: Logger) async -> DatabaseStack? {
        guard let settings = config.database else {
            sink.write("Database: none (\"database\": null in runtime.json)")
            return nil
        }
        do {
            let stack = try await DatabaseStack.start(config: config, database: settings, logger: logger)
            let kind = settings.url == nil
                ? "managed PostgreSQL (max_connections \(settings.managed.maxConnections))" : "PostgreSQL"
            sink.write("Database: \(kind) at \(stack.direct.redactedText)")
            if let failure = await stack.probe() {
                sink.write("error: the database at \(stack.direct.redactedText) cannot be reached: \(failure)")
                sink.write("Functions that use DATABASE_URL will fail until it is up; the pool connects once it is.")
            }
            sink.write("Pool: \(stack.pooled.redactedText) (\(config.pool.mode.rawValue) pooling, at most \(config.pool.maxServerConnections) server connections); instances use the \(config.mode.rawValue) URL")
            if config.pool.tls != .off {
                let ca = config.stateDirectory + "/tls/ca.crt"
                sink.write("TLS: the pool \(config.pool.tls == .require ? "requires" : "accepts") TLS (pool.tls \"\(config.pool.tls.rawValue)\"); its CA: \(ca) (`emulator url --tls` prints a verifying URL)")
            }
            if let http = stack.sqlOverHTTP { sink.write("SQL over HTTP: \(http.url) (Neon's serverless driver protocol), through the pool") }
            return stack
        } catch {
            sink.write("error: the database could not be started: \(error)")
            sink.write("Serving without a database: functions that use DATABASE_URL will fail.")
            return nil
        }
    }

    /// Hot reload: the function SDK's sources are watched too, and Swift
    /// functions are rebuilt (not with `--no-build`, where only custom runtimes reload).
    private func reloadSettings(for functions: [FunctionDefinition], config: RuntimeConfig, sink: LogSink) -> ReloadSettings {
        let sdk = ["FunctionKit", "FunctionDatabase"].map { config.projectDirectory + "/Sources/" + $0 }
        let (noBuild, project, port, direct) = (self.noBuild, self.project, self.port, self.direct)
        /// runtime.json as it is now, with the command line's overrides.
        let reread: @Sendable () throws -> RuntimeConfig = {
            var reread = try project.load()
            if let port { reread.port = port }
            if direct { reread.mode = .direct }
            return reread
        }
        return ReloadSettings(
            functionsDirectory: config.functionsDirectory, configFile: config.configFile,
            sharedSources: noBuild ? [] : sdk,
            build: {
                let current = (try? discoverFunctions(config: reread())) ?? functions
                _ = try await Self.binaries(for: current, config: config, noBuild: noBuild, sink: sink)
            },
            reloadConfiguration: {
                let reloaded = try reread()
                return ConfigurationReload(
                    functions: try discoverFunctions(config: reloaded),
                    needsRestart: Self.keysNeedingRestart(from: config, to: reloaded))
            })
    }

    /// The settings a running emulator cannot take over (its ports, the database side, the account limits).
    private static func keysNeedingRestart(from old: RuntimeConfig, to new: RuntimeConfig) -> [String] {
        var keys: [String] = []
        if old.port != new.port { keys.append("port") }
        if old.mode != new.mode { keys.append("mode (POST /_emulator/mode switches it now)") }
        if old.database != new.database { keys.append("database") }
        if old.pool != new.pool { keys.append("pool") }
        if old.sqlOverHTTP != new.sqlOverHTTP { keys.append("sqlOverHTTP") }
        if old.accountConcurrency != new.accountConcurrency { keys.append("accountConcurrency") }
        if old.burst != new.burst { keys.append("burst") }
        if old.apiGateway != new.apiGateway { keys.append("apiGateway") }
        return keys
    }

    /// Builds the Swift functions among `functions` (unless `noBuild`) and
    /// returns the folder of their binaries.
    static func binaries(
        for functions: [FunctionDefinition], config: RuntimeConfig, noBuild: Bool, sink: LogSink
    ) async throws -> String {
        let hasSwift = functions.contains { if case .swift = $0.kind { return true } else { return false } }
        guard hasSwift, !noBuild else { return Self.ownDirectory() }
        return try await SwiftFunctionBuilder(projectDirectory: config.projectDirectory)
            .build(functions) { sink.write($0) }
    }

    /// The folder of the running emulator binary, where `swift build` also puts the functions.
    private static func ownDirectory() -> String {
        URL(fileURLWithPath: ownExecutable()).deletingLastPathComponent().path
    }

    /// The running emulator binary.
    private static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

extension LogFormat: ExpressibleByArgument {}

/// Options naming the project: `--config PATH`.
struct ProjectOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The runtime.json to use; its functions are in the Functions/ folder beside it.")
    var configPath: String?

    /// The configuration of the project, with the host's environment applied.
    func load() throws -> RuntimeConfig {
        let config = try RuntimeConfig.resolve(
            configPath: configPath, workingDirectory: FileManager.default.currentDirectoryPath)
        return try config.applyingEnvironment(ProcessInfo.processInfo.environment)
    }
}
