import Logging
import NIOCore
import NIOPosix

/// One connection to the database: logs in, then relays between the database and
/// whichever client it is linked to, tracking what is outstanding so it knows when the
/// transaction is over and the connection can serve someone else.
///
/// Event-loop confined, like everything in the pool.
final class ServerConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Who the connection works for.
    enum Owner {
        /// Connecting and logging in.
        case starting
        /// The pool: idle, or running the pool's own statements (health check, rollback, reset).
        case pool
        /// A client: the database's messages are relayed to it.
        case client(ClientSession)
        /// Gone.
        case closed
    }

    static let idleStatus = UInt8(ascii: "I")
    private static let drainTimeout: TimeAmount = .seconds(10)
    private static let loginTimeout: TimeAmount = .seconds(10)

    /// Strong: a connection still connecting when the pool shuts down reports back to the
    /// pool after it is gone (the cycle ends when the pool forgets the connection).
    let core: PoolCore
    let id: Int
    let createdAt: NIODeadline
    var idleSince: NIODeadline
    var owner: Owner = .starting
    var context: ChannelHandlerContext?
    /// Cuts what the database sends into runs of complete messages.
    var framer = MessageFramer()
    private(set) var isClosing = false
    /// Running the pool's health check (counted by the pool until it settles or the connection dies).
    var isHealthChecking = false

    // Login.
    private var scram: SCRAMClientExchange?
    private var loginTimer: Scheduled<Void>?
    private(set) var backendProcessID: Int32 = 0
    private(set) var backendSecretKey: Int32 = 0
    /// Reported parameters as they were right after login.
    private(set) var baseline: [String: String] = [:]
    /// Current parameter values: reported ones as last reported, others as the pool set
    /// them (absent: the server's default).
    var current: [String: String] = [:]
    /// Startup-parameter order as the server reported them (replayed to clients).
    private(set) var reportedOrder: [(String, String)] = []
    /// The parameter set this connection's settings currently match, if known.
    var appliedSet: SessionParameters?
    /// Linked, and the client's settings not yet checked: done ahead of its next messages.
    var needsPrelude = false
    /// The linked client changed a setting during this link.
    var settingsChanged = false

    /// What the database owes (and what the pool owes the client in its place), in order.
    var replies = ReplyQueue()
    /// Extended-protocol messages went out since the last Sync.
    var unsyncedExtended = false
    var copyIn = false
    /// An extended-protocol error: the server discards everything up to the next Sync.
    var skippingUntilSync = false
    var transactionStatus: UInt8 = ServerConnection.idleStatus

    /// The pool's statements this server has prepared.
    var statementCache: ServerStatementCache
    /// What the group of messages being sent changes once it succeeds (from its Parse/Bind).
    var pendingEffects: GroupEffects?
    /// The client changed a setting PostgreSQL does not report: read them back after each group.
    var captureSettings = false
    var capturedSettings: [(name: String, value: String, isDefault: Bool)] = []
    /// The client's startup values for the settings it reset, set again after its group.
    var restoreSettings: [String: String] = [:]
    /// The client's last group of messages, kept to replay it once after `cached plan must
    /// not change result type`; `retryGeneration` tells which Bind it belongs to.
    var retryCopy: ByteBuffer?
    var retryGeneration = 0
    var lastRetryGeneration = 0
    /// The pool wrote to the client while relaying the client's messages (local answers).
    var wroteLocally = false
    /// ... and one of those answers was a ReadyForQuery: the link may be over.
    var answeredLocally = false

    var preludeError: ErrorFields?
    var preludeInterrupted = false

    // The pool's own statements.
    var onSettled: ((ServerConnection, ErrorFields?) -> Void)?
    var internalError: ErrorFields?
    private var drainTimer: Scheduled<Void>?
    /// The reset running now is a `DISCARD ALL`.
    private var didDiscard = false
    /// A CancelRequest went out while draining: it may still arrive after the connection
    /// settled, so the connection is closed rather than handed to the next client.
    private var cancelSent = false
    /// Server-side statement names left on the server that no client refers to (see
    /// `adoptReparse`): deallocated before the connection serves another client.
    var strayStatements: [String] = []
    /// The client pinned to this connection: it left session state behind (an untracked
    /// SET, LISTEN, a session advisory lock, a temporary table, SQL PREPARE, a WITH HOLD
    /// cursor), so the connection stays linked to it; `DISCARD ALL` clears that state once
    /// the client is gone, before the connection serves anyone else.
    var stateOwner: ClientSession?
    private var leftSessionState: Bool { stateOwner != nil }

    /// CancelRequests for the linked client's queries not yet acted on by the database; while
    /// any is, the connection is held back from other clients (`heldForCancel`).
    var cancelsInFlight = 0
    var heldForCancel = false

    /// A FATAL error the database sent (relayed or not), so a lost connection is explained.
    var fatalError: ErrorFields?
    var relayedFatal = false
    var flushClient: ClientSession?

    init(core: PoolCore, id: Int) {
        self.core = core
        self.id = id
        self.createdAt = .now()
        self.idleSince = createdAt
        self.statementCache = ServerStatementCache(capacity: core.configuration.maxPreparedStatements)
    }

    // MARK: Connecting

    /// Opens the TCP connection; login starts once it is up.
    func connect() {
        let upstream = core.configuration.upstream
        let bound = NIOLoopBound(self, eventLoop: core.eventLoop)
        let tls = core.tls.upstream
        ClientBootstrap(group: core.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // TLS first (when sslmode is not disable): login starts once it is settled.
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(UpstreamTLSNegotiator(tls: tls, port: upstream.port))
                    }
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(host: upstream.host, port: upstream.port)
            .assumeIsolated()
            .whenFailure { error in
                self.core.servers.connectFailed(
                    self,
                    error: ErrorFields(
                        code: SQLState.connectionFailure,
                        message: "the pool could not connect to the database at \(upstream.host):\(upstream.port): \(error)"
                    )
                )
            }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Closed (pool shutdown) before the channel existed.
        if isClosing { context.close(promise: nil) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if isClosing { return context.close(promise: nil) }
        loginTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.loginTimeout) {
            self.failLogin(ErrorFields(
                code: SQLState.connectionFailure,
                message: "the pool could not log in to the database: no answer within \(Self.loginTimeout.nanoseconds / 1_000_000_000) s"
            ))
        }
        let upstream = core.configuration.upstream
        var packet = context.channel.allocator.buffer(capacity: 64)
        packet.writeStartupPacket { body in
            body.writeInteger(StartupCode.protocol3)
            body.writeCString("user"); body.writeCString(upstream.user)
            body.writeCString("database"); body.writeCString(upstream.database)
            body.writeInteger(UInt8(0))
        }
        context.writeAndFlush(wrapOutboundOut(packet), promise: nil)
    }

    func handleLogin(_ type: UInt8, _ body: ByteBuffer) {
        var body = body
        switch type {
        case MessageType.authentication:
            handleAuthenticationRequest(&body)
        case MessageType.parameterStatus:
            if let name = body.readNullTerminatedString(), let value = body.readNullTerminatedString() {
                baseline[name] = value
                current[name] = value
                reportedOrder.append((name, value))
            }
        case MessageType.backendKeyData:
            backendProcessID = body.readInteger() ?? 0
            backendSecretKey = body.readInteger() ?? 0
        case MessageType.errorResponse:
            var error = ErrorFields(parsing: body)
            error.message = "the pool could not log in to the database: \(error.message)"
            failLogin(error)
        case MessageType.readyForQuery:
            loginTimer?.cancel()
            loginTimer = nil
            transactionStatus = body.readInteger() ?? Self.idleStatus
            owner = .pool
            idleSince = .now()
            core.servers.connected(self)
        default:
            break  // NoticeResponse, NegotiateProtocolVersion: nothing to do
        }
    }

    private func handleAuthenticationRequest(_ body: inout ByteBuffer) {
        let upstream = core.configuration.upstream
        guard let code = body.readInteger(as: Int32.self) else { return failLogin(nil) }
        switch code {
        case AuthenticationCode.ok:
            break
        case AuthenticationCode.cleartextPassword:
            sendPassword(Array(upstream.password.utf8) + [0])
        case AuthenticationCode.md5Password:
            guard let salt = body.readBytes(length: 4) else { return failLogin(nil) }
            sendPassword(Array(MD5Password.hash(user: upstream.user, password: upstream.password, salt: salt).utf8) + [0])
        case AuthenticationCode.sasl:
            var mechanisms: [String] = []
            while let mechanism = body.readNullTerminatedString(), !mechanism.isEmpty { mechanisms.append(mechanism) }
            guard mechanisms.contains(SCRAMPrimitives.mechanism) else {
                return failLogin(ErrorFields(
                    code: SQLState.featureNotSupported,
                    message: "the database offers SASL mechanisms \(mechanisms) but the pool supports only \(SCRAMPrimitives.mechanism)"
                ))
            }
            let exchange = SCRAMClientExchange()
            scram = exchange
            var message = Array(SCRAMPrimitives.mechanism.utf8) + [0]
            let first = Array(exchange.clientFirst.utf8)
            withUnsafeBytes(of: Int32(first.count).bigEndian) { message += $0 }
            sendPassword(message + first)
        case AuthenticationCode.saslContinue:
            guard var exchange = scram else { return failLogin(nil) }
            do {
                let final = try exchange.receiveServerFirst(String(buffer: body)) { salt, iterations in
                    core.saltedPassword(salt: salt, iterations: iterations)
                }
                scram = exchange
                sendPassword(Array(final.utf8))
            } catch {
                failLogin(ErrorFields(code: SQLState.invalidPassword, message: "the pool could not log in to the database: \(error)"))
            }
        case AuthenticationCode.saslFinal:
            do {
                try scram?.receiveServerFinal(String(buffer: body))
            } catch {
                failLogin(ErrorFields(code: SQLState.invalidPassword, message: "the pool could not log in to the database: \(error)"))
            }
        default:
            failLogin(ErrorFields(
                code: SQLState.featureNotSupported,
                message: "the database asked for authentication method \(code), which the pool does not support (it supports SCRAM-SHA-256, md5, password and trust)"
            ))
        }
    }

    private func sendPassword(_ payload: [UInt8]) {
        guard let context else { return }
        var message = context.channel.allocator.buffer(capacity: payload.count + 5)
        message.writeMessage(MessageType.password) { $0.writeBytes(payload) }
        context.writeAndFlush(wrapOutboundOut(message), promise: nil)
    }

    private func failLogin(_ error: ErrorFields?) {
        fatalError = error ?? ErrorFields(
            code: SQLState.protocolViolation,
            message: "the pool could not log in to the database: unexpected authentication message"
        )
        close()
    }

    // MARK: Linking

    /// Hands the connection to a client. Settings are applied on its first message.
    func link(to client: ClientSession) {
        owner = .client(client)
        relayedFatal = false
        needsPrelude = true
    }

    /// Gives back a connection linked for login only (nothing was sent on it).
    func unlinkUnused() {
        owner = .pool
        core.servers.release(self)
    }

    func flush() {
        context?.flush()
    }

    // MARK: Backpressure

    var readingPaused = false
    var pausedClient: ClientSession?

    /// Pauses or resumes reading from the database (the linked client is backed up).
    func setReading(_ reading: Bool) {
        guard reading == readingPaused, let context else { return }
        readingPaused = !reading
        try? context.channel.syncOptions?.setOption(.autoRead, value: reading)
        if reading { context.read() }
    }

    /// The database does not read what the client sends: pause the client.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .client(let client) = owner {
            let writable = context.channel.isWritable
            client.setReading(writable)
            pausedClient = writable ? nil : client
        }
        context.fireChannelWritabilityChanged()
    }

    /// Undoes any backpressure when the link ends.
    func resumeAll() {
        setReading(true)
        if let client = pausedClient {
            pausedClient = nil
            client.setReading(true)
        }
    }

    // MARK: Ending a link

    /// Whether the transaction is over and nothing is outstanding, so that (in transaction
    /// mode, for a client that is not pinned) the connection can serve someone else.
    var canEndLink: Bool {
        core.configuration.mode == .transaction && replies.isEmpty && !unsyncedExtended && !copyIn
            && transactionStatus == Self.idleStatus && stateOwner == nil
    }

    func endLink(_ client: ClientSession) {
        owner = .pool
        if settingsChanged { recordSettings(matching: client.parameters) }
        if readingPaused || pausedClient != nil { resumeAll() }
        client.serverReleased()
        guard strayStatements.isEmpty else { return runReset([]) }
        core.servers.release(self)
    }

    /// After the client changed a setting (`SET application_name`): records
    /// whether the connection's settings still match `set`, so the next client gets its own.
    private func recordSettings(matching set: SessionParameters?) {
        settingsChanged = false
        guard let set,
              set.values.allSatisfy({ current[$0.key] == $0.value }),
              current.allSatisfy({ set.values[$0.key] != nil || baseline[$0.key] == $0.value })
        else {
            appliedSet = nil
            return
        }
        appliedSet = set
    }

    /// The linked client went away. Whatever it left behind (a transaction, a request in
    /// flight, a COPY) is rolled back before the connection serves anyone else.
    func clientGone() {
        guard case .client = owner else { return }
        owner = .pool
        needsPrelude = false
        captureSettings = false
        pendingEffects = nil
        retryCopy = nil
        dropLocalReplies()
        if settingsChanged { recordSettings(matching: appliedSet) }
        flushClient = nil
        if readingPaused || pausedClient != nil { resumeAll() }
        if replies.contains(where: { if case .prelude = $0.action { return true } else { return false } }) {
            preludeError = nil
            preludeInterrupted = true
            appliedSet = nil
        }
        let clean = replies.isEmpty && !unsyncedExtended && !copyIn && transactionStatus == Self.idleStatus
        if clean && !preludeInterrupted {
            if core.configuration.mode == .session || leftSessionState {
                runReset(["DISCARD ALL"])
            } else if !strayStatements.isEmpty {
                runReset([])
            } else {
                core.servers.release(self)
            }
            return
        }
        drain()
    }

    private func drain() {
        guard let context else { return }
        // CopyFail ends a COPY FROM STDIN at once; only something else still running needs a cancel.
        let onlyCopyIn = copyIn && replies.groupEnds <= 1
        if copyIn {
            copyIn = false
            writeCopyFailAndSync()
        } else if unsyncedExtended {
            unsyncedExtended = false
            var sync = context.channel.allocator.buffer(capacity: 5)
            sync.writeSync()
            replies.append(PendingReply(MessageType.sync, .internal))
            skippingUntilSync = false
            context.write(wrapOutboundOut(sync), promise: nil)
        }
        context.flush()
        if !replies.isEmpty && !onlyCopyIn {
            cancelSent = true
            core.sendCancel(processID: backendProcessID, secretKey: backendSecretKey)
        }
        armDrainTimer()
        if replies.isEmpty {
            finishDrain()
        } else {
            onSettled = { server, _ in server.finishDrain() }
        }
    }

    /// Runs the pool's reset statements for a client that left, closing the connection if
    /// they do not finish within the drain timeout.
    private func runReset(_ statements: [String]) {
        armDrainTimer()
        didDiscard = statements.contains("DISCARD ALL")
        runInternal(statements + deallocateStrays()) { server, error in server.finishReset(error) }
    }

    /// Statements that deallocate the stray server-side names (none after DISCARD ALL).
    private func deallocateStrays() -> [String] {
        let strays = strayStatements
        strayStatements = []
        return didDiscard ? [] : strays.map { "DEALLOCATE \($0)" }
    }

    private func armDrainTimer() {
        guard let context else { return }
        drainTimer?.cancel()
        drainTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.drainTimeout) {
            self.core.logger.warning("server connection \(self.id) did not settle after its client left; closing it")
            self.close()
        }
    }

    private func writeCopyFailAndSync() {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 48)
        buffer.writeMessage(MessageType.copyFail) { $0.writeCString("client disconnected") }
        buffer.writeSync()
        replies.append(PendingReply(MessageType.sync, .internal))
        skippingUntilSync = false
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func finishDrain() {
        var statements: [String] = []
        if transactionStatus != Self.idleStatus { statements.append("ROLLBACK") }
        if core.configuration.mode == .session || leftSessionState {
            statements.append("DISCARD ALL")
        } else if preludeInterrupted {
            statements.append("RESET ALL")
        }
        didDiscard = statements.contains("DISCARD ALL")
        statements += deallocateStrays()
        guard !statements.isEmpty else { return finishReset(nil) }
        runInternal(statements) { server, error in server.finishReset(error) }
    }

    private func finishReset(_ error: ErrorFields?) {
        drainTimer?.cancel()
        drainTimer = nil
        guard error == nil, transactionStatus == Self.idleStatus, !unsyncedExtended, !copyIn else {
            core.logger.warning("server connection \(self.id) could not be reset (\(error?.description ?? "transaction still open")); closing it")
            return close()
        }
        if cancelSent {
            // The cancel may land on whatever this connection runs next.
            return close()
        }
        if preludeInterrupted || leftSessionState || core.configuration.mode == .session {
            // DISCARD ALL / RESET ALL put every setting back to the login defaults.
            current = baseline
            appliedSet = nil
            preludeInterrupted = false
            stateOwner = nil
        }
        if didDiscard {
            // DISCARD ALL also dropped the pool's prepared statements.
            for entry in statementCache.removeAll() { core.statements.release(entry.statement) }
        }
        core.servers.release(self)
    }

    // MARK: The pool's own statements

    /// Checks that the database accepts `settings` (in a transaction rolled back), for a
    /// client logging in; `then` gets the database's error, if any.
    func checkSettings(_ settings: [(String, String)], then: @escaping (ErrorFields?) -> Void) {
        let check = "SELECT " + settings.map { SessionParameters.setLocalCall($0.0, $0.1) }.joined(separator: ", ")
        runInternal(["BEGIN", check, "ROLLBACK"]) { _, error in then(error) }
    }

    /// Runs statements (one Query each), swallowing their results, then calls `then` with
    /// the first error, if any.
    func runInternal(_ statements: [String], then: @escaping (ServerConnection, ErrorFields?) -> Void) {
        guard let context, !isClosing else { return }
        owner = .pool
        onSettled = then
        internalError = nil
        var buffer = context.channel.allocator.buffer(capacity: 32 * statements.count)
        for statement in statements {
            buffer.writeQuery(statement)
            replies.append(PendingReply(MessageType.query, .internal))
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Whether the connection still has a client's application_name (not its own from login).
    var showsClientName: Bool {
        current["application_name"] != baseline["application_name"]
    }

    /// Whether the connection may be handed out again.
    func isReusable(now: NIODeadline) -> Bool {
        !isClosing && context?.channel.isActive == true
            && now - createdAt < PoolConfiguration.timeAmount(core.configuration.serverLifetime)
    }

    // MARK: Closing

    /// Says goodbye to the database and closes the connection.
    func close() {
        guard !isClosing else { return }
        isClosing = true
        guard let context else { return }
        if context.channel.isActive, case .pool = owner {
            var terminate = context.channel.allocator.buffer(capacity: 5)
            terminate.writeTerminate()
            context.writeAndFlush(wrapOutboundOut(terminate), promise: nil)
        }
        context.close(promise: nil)
    }

    /// A future that completes when the connection is closed.
    var closeFuture: EventLoopFuture<Void>? { context?.channel.closeFuture }

    func channelInactive(context: ChannelHandlerContext) {
        isClosing = true
        dropLocalReplies()
        for entry in statementCache.removeAll() { core.statements.release(entry.statement) }
        drainTimer?.cancel()
        loginTimer?.cancel()
        // Closed in the middle of a read (past its lifetime): what was relayed still goes out.
        if let client = flushClient {
            flushClient = nil
            client.flush()
        }
        let previous = owner
        owner = .closed
        switch previous {
        case .starting:
            core.servers.connectFailed(self, error: fatalError ?? ErrorFields(
                code: SQLState.connectionFailure,
                message: "the pool could not log in to the database: the database closed the connection"
            ))
        case .client(let client):
            core.stats.errors.serverLost += 1
            client.serverLost(relayedFatal ? nil : ErrorFields(
                code: fatalError?.code ?? SQLState.connectionFailure,
                message: "the pool lost its connection to the database: \(fatalError?.message ?? "the connection closed unexpectedly")"
            ))
            core.servers.removed(self)
        case .pool:
            core.servers.removed(self)
        case .closed:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        core.logger.debug("server connection \(id): \(error)")
        if case .starting = owner, fatalError == nil {
            fatalError = ErrorFields(code: SQLState.connectionFailure, message: "the pool could not log in to the database: \(error)")
        }
        close()
    }
}
