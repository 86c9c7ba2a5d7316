import Logging
import NIOCore
import NIOPosix

/// The pool's state: configuration, server connections, clients and counters. Everything
/// in it runs on one event loop (like PgBouncer's single thread), so nothing is locked and
/// a client and its server connection relay to each other directly.
final class PoolCore {
    let configuration: PoolConfiguration
    let eventLoop: any EventLoop
    let logger: Logger
    let scramVerifier: SCRAMVerifier
    var stats = StatsRecorder()
    /// Made at start (`PostgresPool.start()`), from `configuration`.
    var tls = TLSContexts()
    /// The prepared statements clients made, shared by all server connections.
    let statements = StatementRegistry()
    private(set) var servers: ServerPool!
    /// The database's parameters, from the first server connection, replayed to clients at login.
    var serverParameters: [(String, String)]?
    private(set) var isShuttingDown = false

    private var clients: [Int32: ClientSession] = [:]
    private var nextProcessID: Int32 = 1
    private var saltedPasswords: [[UInt8]: [UInt8]] = [:]
    private var parameterSets: [[String: String]: SessionParameters] = [:]
    /// Startup settings (name, value) the database accepted; others are checked at login.
    private var checkedSettings: Set<[String]> = []
    private var listener: (any Channel)?
    private var sweepTask: RepeatedTask?
    private let closedPromise: EventLoopPromise<Void>

    /// Completes when the pool has shut down.
    var closed: EventLoopFuture<Void> { closedPromise.futureResult }

    init(configuration: PoolConfiguration, eventLoop: any EventLoop, logger: Logger, scramVerifier: SCRAMVerifier) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.scramVerifier = scramVerifier
        self.closedPromise = eventLoop.makePromise()
        self.servers = ServerPool(core: self)
    }

    // MARK: Listening

    /// Binds the listening socket; returns the bound port. If binding fails,
    /// the pool is closed with that error.
    func start(box: NIOLoopBoundBox<PoolCore>) -> EventLoopFuture<Int> {
        let bound = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(box.value.makeSession())
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .assumeIsolated()
            .map { channel in
                self.listener = channel
                self.startSweeping()
                return channel.localAddress?.port ?? self.configuration.port
            }
            .nonisolated()
        bound.whenFailure { [closedPromise] error in closedPromise.fail(error) }
        return bound
    }

    private func startSweeping() {
        let shortest = min(configuration.serverIdleTimeout, configuration.serverLifetime)
        let halfShortest = PoolConfiguration.timeAmount(shortest).nanoseconds / 2
        let interval = TimeAmount.nanoseconds(max(min(halfShortest, 5_000_000_000), 50_000_000))
        let box = NIOLoopBound(self, eventLoop: eventLoop)
        sweepTask = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            box.value.servers.sweep()
        }
    }

    /// Stops listening, disconnects every client and closes every server connection.
    func shutdown() -> EventLoopFuture<Void> {
        guard !isShuttingDown else { return closedPromise.futureResult }
        isShuttingDown = true
        sweepTask?.cancel()
        var closing: [EventLoopFuture<Void>] = []
        if let listener {
            closing.append(listener.closeFuture)
            listener.close(promise: nil)
        }
        for client in Array(clients.values) {
            client.fail(ErrorFields(code: SQLState.adminShutdown, message: "the pool is shutting down"))
        }
        for server in servers.all.values {
            if let future = server.closeFuture { closing.append(future) }
        }
        servers.closeAll()
        let done = EventLoopFuture.andAllComplete(closing, on: eventLoop)
        closedPromise.completeWith(done)
        return done
    }

    // MARK: Clients

    private func makeSession() -> ClientSession {
        let processID = nextProcessID
        nextProcessID = nextProcessID == Int32.max ? 1 : nextProcessID + 1
        return ClientSession(core: self, processID: processID, secretKey: Int32.random(in: Int32.min...Int32.max))
    }

    func clientConnected(_ client: ClientSession) {
        clients[client.processID] = client
        client.overClientLimit = clients.count > configuration.maxClientConnections || isShuttingDown
    }

    func clientDisconnected(_ client: ClientSession) {
        clients[client.processID] = nil
        for statement in client.statements.values { statements.release(statement) }
        client.statements.removeAll()
        if !client.pins.isEmpty {
            client.pins = []
            stats.pinnedClients -= 1
        }
        if let parameters = client.parameters {
            client.parameters = nil
            parameters.users -= 1
            if parameters.users == 0 { parameterSets[parameters.key] = nil }
        }
    }

    /// The shared parameter set for these startup settings.
    func sessionParameters(for settings: [String: String]) -> SessionParameters {
        let set = parameterSets[settings] ?? {
            let set = SessionParameters(settings)
            parameterSets[settings] = set
            return set
        }()
        set.users += 1
        return set
    }

    /// A client changed a tracked setting (nil: back to the server's default): it moves to
    /// the parameter set with the new value (the old one is shared, so it is never changed
    /// in place).
    func clientChangedSetting(_ client: ClientSession, name: String, value: String?) {
        guard let old = client.parameters, old.values[name] != value else { return }
        var values = old.values
        values[name] = value
        moveClient(client, to: values)
    }

    /// The startup settings of a logging-in client the database has not accepted yet
    /// (`application_name` takes any value).
    func uncheckedSettings(_ settings: [String: String]) -> [(String, String)] {
        settings.filter { $0.key != "application_name" && !checkedSettings.contains([$0.key, $0.value]) }
            .sorted { $0.key < $1.key }
    }

    func settingsChecked(_ settings: [(String, String)]) {
        if checkedSettings.count > 10_000 { checkedSettings.removeAll() }
        for (name, value) in settings { checkedSettings.insert([name, value]) }
    }

    /// `DISCARD ALL`: the client's settings are the ones it started with again.
    func resetSettings(_ client: ClientSession) {
        guard let old = client.parameters, old.values != client.startupSettings else { return }
        moveClient(client, to: client.startupSettings)
    }

    private func moveClient(_ client: ClientSession, to values: [String: String]) {
        guard let old = client.parameters else { return }
        client.parameters = sessionParameters(for: values)
        old.users -= 1
        if old.users == 0 { parameterSets[old.key] = nil }
    }

    // MARK: Pinning

    /// Pins `client` for `reason`; false if it already was for that reason. Counts it and
    /// logs a warning naming the client by its application_name (a function instance's
    /// is `<function>/<instance id>`).
    func pin(_ client: ClientSession, _ reason: PinReason, serverID: Int) -> Bool {
        guard !client.pins.contains(PinReasons(reason)) else { return false }
        if client.pins.isEmpty { stats.pinnedClients += 1 }
        client.pins.insert(PinReasons(reason))
        stats.pinEvents[reason, default: 0] += 1
        let name = client.parameters?.values["application_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "(no application_name)"
        logger.warning(
            "client \(name) pinned to server connection \(serverID): \(reason.why). \(reason.hint)",
            metadata: ["client": "\(name)", "pin": "\(reason.rawValue)"])
        return true
    }

    /// The state behind `reasons` is gone; true when the client is no longer pinned.
    func unpin(_ client: ClientSession, _ reasons: PinReasons) -> Bool {
        guard !client.pins.isEmpty else { return false }
        client.pins.subtract(reasons)
        guard client.pins.isEmpty else { return false }
        stats.pinnedClients -= 1
        return true
    }

    // MARK: Cancel

    /// A CancelRequest with the pool's key: cancels whatever the client's server connection
    /// runs, or ends the client's wait for one. The server connection serves nobody else
    /// until the database has the cancel (it would cancel their query instead).
    func cancel(processID: Int32, secretKey: Int32) {
        guard let client = clients[processID], client.secretKey == secretKey else { return }
        switch client.state {
        case .linked(let server):
            server.cancelsInFlight += 1
            sendCancel(processID: server.backendProcessID, secretKey: server.backendSecretKey) {
                server.cancelsInFlight -= 1
                if server.cancelsInFlight == 0, server.heldForCancel {
                    server.heldForCancel = false
                    self.servers.release(server)
                }
            }
        case .waiting:
            client.cancelWait()
        default:
            break
        }
    }

    /// Sends a CancelRequest to the database on a connection of its own; `delivered` runs
    /// once the database has acted on it (it closes the connection after signalling the
    /// backend), or it could not be sent.
    func sendCancel(processID: Int32, secretKey: Int32, delivered: (() -> Void)? = nil) {
        let upstream = configuration.upstream
        let eventLoop = self.eventLoop
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .connect(host: upstream.host, port: upstream.port)
            .assumeIsolated()
            .whenComplete { result in
                guard case .success(let channel) = result else {
                    delivered?()
                    return
                }
                var request = channel.allocator.buffer(capacity: 16)
                request.writeInteger(Int32(16))
                request.writeInteger(StartupCode.cancelRequest)
                request.writeInteger(processID)
                request.writeInteger(secretKey)
                channel.writeAndFlush(request).whenFailure { _ in channel.close(promise: nil) }
                let giveUp = eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
                channel.closeFuture.assumeIsolated().whenComplete { _ in
                    giveUp.cancel()
                    delivered?()
                }
            }
    }

    // MARK: Upstream authentication

    /// PBKDF2 is deliberately slow; the salted password for the database's salt is kept.
    func saltedPassword(salt: [UInt8], iterations: Int) -> [UInt8] {
        var key = salt
        withUnsafeBytes(of: Int64(iterations).bigEndian) { key += $0 }
        if let known = saltedPasswords[key] { return known }
        let salted = SCRAMPrimitives.saltedPassword(
            password: configuration.upstream.password, salt: salt, iterations: iterations
        )
        saltedPasswords[key] = salted
        return salted
    }

    // MARK: Stats

    func snapshot() -> PoolStats {
        PoolStats(
            clientConnections: .init(active: clients.count, waiting: servers.waitingCount),
            serverConnections: .init(
                active: servers.activeCount, idle: servers.idleCount, connecting: servers.connecting,
                max: configuration.maxServerConnections, peak: servers.peak
            ),
            waitTime: stats.waitTime(),
            transactionsServed: stats.transactions,
            queriesServed: stats.queries,
            errors: stats.errors,
            preparedStatements: .init(
                statements: statements.count, clientParses: statements.clientParses,
                serverParses: statements.serverParses, evictions: statements.evictions,
                invalidations: statements.invalidations, retries: statements.retries
            ),
            pinnedClients: stats.pinnedClients,
            pinEvents: Dictionary(uniqueKeysWithValues: PinReason.allCases.map { ($0, stats.pinEvents[$0] ?? 0) }),
            settingsApplied: stats.settingsApplied
        )
    }
}
