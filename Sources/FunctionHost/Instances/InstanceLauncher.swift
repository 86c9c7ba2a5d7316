import ChildProcess
import EmulatorConfig
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Starts instances: a Runtime API listener on a loopback port of its own,
/// then the function's process pointed at it, its output forwarded to the log.
struct InstanceLauncher: Sendable {
    /// Where built Swift function products live.
    let binDirectory: String
    let group: any EventLoopGroup
    let sink: LogSink
    let logger: Logger
    /// The host's environment, of which instances get only `PATH`, `HOME`, `LANG`.
    let hostEnvironment: [String: String]
    /// Which `DATABASE_URL` instances get.
    let database: DatabaseRouting

    /// Launches an instance of `function` for a cold start that began at
    /// `coldStartBegan`; `onExit` runs when its process ends.
    func launch(
        _ function: FunctionDefinition,
        coldStartBegan: ContinuousClock.Instant,
        codeGeneration: Int,
        onExit: @escaping @Sendable (Instance, TerminationStatus) -> Void
    ) async throws -> Instance {
        let eventLoop = group.next()
        let id = Self.makeID()
        let (access, generation) = database.assignment(for: function, instanceID: id)
        let instance = Instance(
            id: id, functionName: function.name, memoryMB: function.settings.memoryMB,
            timeout: function.settings.timeoutSeconds, generation: generation, codeGeneration: codeGeneration,
            freezesWhenIdle: function.settings.freezeIdle, eventLoop: eventLoop,
            coldStartBegan: coldStartBegan)
        let logger = self.logger
        let server = try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(instance: instance, logger: logger))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let port = server.localAddress?.port ?? 0
            let command = try self.command(for: function)
            let spec = ProcessSpec(
                executable: command.executable,
                arguments: command.arguments,
                environment: InstanceEnvironment.make(
                    for: function, instanceID: instance.id, runtimeAPI: "127.0.0.1:\(port)",
                    database: access, host: hostEnvironment),
                workingDirectory: function.directory,
                // Both streams go to the log with the same prefix: one pipe and one reader.
                output: .combinedPipe)
            let process = try await ChildProcess.spawn(spec)
            instance.attach(process: process, serverChannel: server)
            instance.attach(output: InstanceOutputForwarder.forward(
                descriptor: process.standardOutput!, prefix: "[\(function.name)/\(instance.id)]", sink: sink, group: group))
            process.whenExited { status in
                // Off the launcher thread, which reaps every child.
                eventLoop.execute {
                    process.signal(SIGKILL)  // whatever it left behind in its group goes too
                    instance.processExited(status)
                    onExit(instance, status)
                }
            }
            return instance
        } catch {
            try? await server.close()
            throw error
        }
    }

    /// The program an instance of `function` runs: its Swift product, its
    /// bootstrap, or the machine's interpreter on the built-in runtime client.
    private func command(for function: FunctionDefinition) throws -> (executable: String, arguments: [String]) {
        switch function.kind {
        case .swift(let product): return ("\(binDirectory)/\(product)", [])
        case .customRuntime(let bootstrap): return (bootstrap, [])
        case .nodejs, .python:
            let runtime = BuiltInRuntime(function.kind)!
            guard let interpreter = ProcessSpec.findExecutable(runtime.interpreter, searchPath: hostEnvironment["PATH"]) else {
                throw MissingInterpreterError(function: function.name, runtime: runtime)
            }
            let client = try runtime.install(into: InstanceEnvironment.runtimeDirectory(of: function))
            return (interpreter, [client])
        }
    }

    private static func makeID() -> String {
        let value = UInt32.random(in: 0...UInt32.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
