import ArgumentParser
import EmulatorConfig
import Foundation
import FunctionHost
import Logging
import ServiceLifecycle

/// `emulator serve`: build the functions and serve them until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the functions in Functions/ over HTTP (the default command).")

    @OptionGroup var project: ProjectOptions

    @Option(help: "Front door port on 127.0.0.1 (overrides runtime.json; 0 picks a free one).")
    var port: Int?

    @Flag(help: "Do not build Swift functions; use the binaries built next to the emulator.")
    var noBuild = false

    func run() async throws {
        let sink = LogSink()
        let logger = Logger(label: "emulator")
        var config = try project.load()
        if let port { config.port = port }
        let functions = try discoverFunctions(config: config)
        let binDirectory = try await binaries(for: functions, config: config, sink: sink)
        let host = EmulatorHost(
            configuration: HostConfiguration(config: config, functions: functions, binDirectory: binDirectory),
            sink: sink, logger: logger
        ) { port in
            for line in EmulatorHost.banner(port: port, functions: functions) { sink.write(line) }
        }
        let group = ServiceGroup(configuration: .init(
            services: [host], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func binaries(for functions: [FunctionDefinition], config: RuntimeConfig, sink: LogSink) async throws -> String {
        let hasSwift = functions.contains { if case .swift = $0.kind { return true } else { return false } }
        guard hasSwift, !noBuild else { return Self.ownDirectory() }
        do {
            return try await SwiftFunctionBuilder(projectDirectory: config.projectDirectory)
                .build(functions) { sink.write($0) }
        } catch {
            throw CleanExit.message("error: \(error)")
        }
    }

    /// The folder of the running emulator binary, where `swift build` also puts the functions.
    private static func ownDirectory() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }
}

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
