import EmulatorConfig
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The function host: the HTTP front door on 127.0.0.1, the instance manager
/// and the per-instance Runtime API endpoints, run as a ``Service``.
///
/// On graceful shutdown (SIGINT/SIGTERM through the service group) it stops
/// taking requests, lets in-flight invocations finish for up to
/// ``HostConfiguration/drainTimeout``, then stops every instance.
public final class EmulatorHost: Service {
    private let configuration: HostConfiguration
    private let manager: InstanceManager
    private let sink: LogSink
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void

    /// Creates a host. `onListening` receives the bound front-door port.
    public init(
        configuration: HostConfiguration, sink: LogSink = LogSink(), logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.sink = sink
        self.logger = logger
        self.onListening = onListening
        let group = MultiThreadedEventLoopGroup.singleton
        let database = DatabaseRouting(endpoints: configuration.database, mode: configuration.mode)
        manager = InstanceManager(
            functions: configuration.functions,
            limits: ConcurrencyLimits(accountConcurrency: configuration.accountConcurrency, burst: configuration.burst),
            launcher: InstanceLauncher(
                binDirectory: configuration.binDirectory, group: group, sink: sink, logger: logger,
                hostEnvironment: ProcessInfo.processInfo.environment, database: database),
            database: database, sink: sink, logger: logger)
    }

    /// Serves until graceful shutdown, then drains and stops every instance.
    public func run() async throws {
        let manager = self.manager
        let sections = configuration.statsSections
        let collect: @Sendable () async -> HostStats = { await HostStats.collect(manager, sections: sections) }
        let storm = StormControl(command: configuration.stormCommand, sink: sink)
        let boundPort = BoundPort()
        let live = LiveStats(
            routes: { manager.functions.routes.routes.map { ($0.function, $0.route.routeKey) } },
            activity: manager.recorder.activity,
            storm: storm, sink: sink, collect: collect)
        let frontDoor = FrontDoor(
            manager: manager,
            admin: AdminEndpoints(
                manager: manager, live: live, storm: storm, metrics: configuration.metrics,
                gauges: StateGauges(), collect: collect),
            gateway: configuration.apiGateway)
        let onListening = self.onListening
        let app = Application(
            responder: frontDoor,
            // Connections idle (or stalled mid-request) for 30 s are closed;
            // a request waiting on a long invocation is not idle.
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.value.store(port, ordering: .relaxed)
                storm.listening(on: port)
                await onListening(port)
            },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
        let drainTimeout = configuration.drainTimeout
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await manager.sweepIdleInstances() }
            if let reload = configuration.reload {
                let reloader = HotReloader(
                    settings: reload, manager: manager, sink: sink, port: { boundPort.value.load(ordering: .relaxed) })
                group.addTask { await reloader.run() }
            }
            group.addTask { await live.run() }
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                // Live event streams and a storm would keep the server from draining.
                live.close()
                storm.stop()
                Task {
                    try? await Task.sleep(for: drainTimeout)
                    await manager.shutdown()
                }
            }
            group.cancelAll()
        }
        await manager.shutdown()
    }

    /// The start-up banner: where each function is served.
    public static func banner(port: Int, functions: [FunctionDefinition]) -> [String] {
        let base = "http://127.0.0.1:\(port)"
        var lines = ["Emulator listening on \(base)"]
        lines += routeLines(base: base, functions: functions)
        lines.append("Dashboard: \(base)/_emulator/")
        lines.append("Stats: \(base)/_emulator/stats")
        return lines
    }

    /// One line per route of `functions`: the function, the route key and its URL.
    static func routeLines(base: String, functions: [FunctionDefinition]) -> [String] {
        var lines: [String] = []
        let width = functions.map(\.name.count).max() ?? 0
        // Every route key whole, however long: the column is as wide as the longest.
        let keyWidth = functions.flatMap { $0.routes.map(\.routeKey.count) }.max() ?? 0
        for function in functions.sorted(by: { $0.name < $1.name }) {
            let kind = function.kind.displayName
            let name = function.name.padding(toLength: width, withPad: " ", startingAt: 0)
            for route in function.routes {
                let url = route.isDefault ? "\(base)/ (any request no other route serves)" : "\(base)\(route.path)"
                lines.append("  \(name)  \(route.routeKey.padding(toLength: keyWidth, withPad: " ", startingAt: 0))  \(url)  (\(kind))")
            }
        }
        return lines
    }
}

/// The front door's port once it listens (0 before).
private final class BoundPort: Sendable {
    let value = Atomic<Int>(0)
}
