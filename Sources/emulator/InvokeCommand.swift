import ArgumentParser
import EmulatorConfig
import Foundation
import FunctionHost
import Logging

/// `emulator invoke NAME`: one invocation in a fresh instance, without the
/// HTTP front door, like `sam local invoke`. The function's result goes to
/// standard output; START, END, REPORT and the instance's output to standard error.
struct InvokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Invoke a function once, cold, and print its result and REPORT line.",
        discussion: """
            Without --event the function gets a sample API Gateway HTTP API (2.0) event for \
            its first route (or --method/--path). It reaches the database of a running \
            emulator of this project, or starts the database for the invocation. Exits 1 \
            when the invocation fails.
            """)

    @Argument(help: "The function to invoke.")
    var name: String

    @Option(help: ArgumentHelp("The event as a JSON file, or - for standard input.", valueName: "file"))
    var event: String?

    @Option(help: "The sample event's request path, with a query string if any: /users/7?verbose=1 (default: the first route's).")
    var path: String?

    @Option(name: .customLong("header"), help: ArgumentHelp("A header of the sample event's request; repeat it for more.", valueName: "Name: value"))
    var headers: [String] = []

    @Option(help: "The sample event's HTTP method (default: the first route's, or GET).")
    var method: String?

    @Option(help: ArgumentHelp("The sample event's request body.", valueName: "text"))
    var body: String?

    @Flag(help: "Give the instance the database's own URL instead of the pool's.")
    var direct = false

    @Flag(help: "Do not build Swift functions; use the binaries built next to the emulator.")
    var noBuild = false

    @OptionGroup var project: ProjectOptions

    func validate() throws {
        if event != nil, path != nil || method != nil || body != nil || !headers.isEmpty {
            throw ValidationError("--event replaces the sample event: give it or --path/--method/--header/--body, not both")
        }
    }

    func run() async throws {
        let sink = LogSink(descriptor: 2)
        let logger = Logger(label: "emulator") { StreamLogHandler.standardError(label: $0) }
        let config = try project.load()
        let functions = try discoverFunctions(config: config)
        guard let function = functions.first(where: { $0.name == name }) else {
            throw CommandError("no function named \(name); the project has \(functions.map(\.name).joined(separator: ", "))")
        }
        if let problem = BuiltInRuntime.missingInterpreters(for: [function], searchPath: ProcessInfo.processInfo.environment["PATH"]).first {
            throw CommandError(problem)
        }
        let binDirectory: String
        if !noBuild, let built = SwiftFunctionBuilder(projectDirectory: config.projectDirectory).upToDateBinDirectory(for: [function]) {
            // `emulator serve` (or an earlier invoke) built it since its sources last changed.
            binDirectory = built
        } else {
            binDirectory = try await ServeCommand.binaries(for: [function], config: config, noBuild: noBuild, sink: sink)
        }
        let (endpoints, started) = try await database(config, logger: logger, sink: sink)
        let invocation = SingleInvocation(
            function: function, binDirectory: binDirectory, database: endpoints, mode: direct ? .direct : config.mode)
        let payload = try event.map(Self.read) ?? invocation.sampleEvent(method: method, path: path, headers: headers, body: body)
        let result = await invocation.run(event: payload, sink: sink, logger: logger)
        await started?.stop()
        print(result.payload)
        if !result.succeeded { throw ExitCode.failure }
    }

    /// The database of a running emulator of this project when its pool
    /// answers, else one started for this invocation (returned to be stopped).
    private func database(_ config: RuntimeConfig, logger: Logger, sink: LogSink) async throws -> (DatabaseEndpoints?, DatabaseStack?) {
        guard let settings = config.database else { return (nil, nil) }
        if let stored = try? DatabaseStack.storedURLs(config: config, database: settings, logger: logger),
           await DatabaseStack.accepts(host: stored.pooled.host, port: stored.pooled.port) {
            return (DatabaseEndpoints(pooled: stored.pooled.text, direct: stored.direct.text), nil)
        }
        let stack = try await DatabaseStack.start(config: config, database: settings, logger: logger)
        sink.write("Database: started for this invocation at \(stack.direct.redactedText)")
        return (DatabaseEndpoints(pooled: stack.pooled.text, direct: stack.direct.text), stack)
    }

    private static func read(_ file: String) throws -> Data {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CommandError("cannot read the event file \(file)")
            }
            data = contents
        }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw CommandError(file == "-" ? "the event on standard input is not JSON" : "the event in \(file) is not JSON")
        }
        return data
    }
}
