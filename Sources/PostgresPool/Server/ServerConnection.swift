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

    private static let idleStatus = UInt8(ascii: "I")
    private static let drainTimeout: TimeAmount = .seconds(10)
    private static let loginTimeout: TimeAmount = .seconds(10)

    /// Strong: a connection still connecting when the pool shuts down reports back to the
    /// pool after it is gone (the cycle ends when the pool forgets the connection).
    let core: PoolCore
    let id: Int
    let createdAt: NIODeadline
    var idleSince: NIODeadline
    private(set) var owner: Owner = .starting
    private var context: ChannelHandlerContext?
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
    /// Current parameter values: reported ones as last reported, others as the pool set them.
    private var current: [String: String] = [:]
    /// Startup-parameter order as the server reported them (replayed to clients).
    private(set) var reportedOrder: [(String, String)] = []
    /// The parameter set this connection's settings currently match, if known.
    private var appliedSet: SessionParameters?
    /// Linked, and the client's settings not yet checked: done once, ahead of its first messages.
    private var needsPrelude = false
    /// The linked client changed a reported setting during this link.
    private var settingsChanged = false

    // What the database still owes: one entry per ReadyForQuery due, `Q` for a Query or
    // FunctionCall, `S` for a Sync.
    private var expected = CircularBuffer<UInt8>(initialCapacity: 8)
    private var unsyncedExtended = false
    private var copyIn = false
    private(set) var transactionStatus: UInt8 = ServerConnection.idleStatus

    // `SET`s sent ahead of a client's messages, whose responses are swallowed.
    private var prelude = CircularBuffer<(name: String, value: String?)>(initialCapacity: 4)
    private var preludeError: ErrorFields?
    private var preludeInterrupted = false

    // The pool's own statements.
    private var onSettled: ((ServerConnection, ErrorFields?) -> Void)?
    private var internalError: ErrorFields?
    private var drainTimer: Scheduled<Void>?
    /// A CancelRequest went out while draining: it may still arrive after the connection
    /// settled, so the connection is closed rather than handed to the next client.
    private var cancelSent = false
    /// The client that left session state behind (a SET, a prepared statement, LISTEN, a
    /// cursor, a temporary object): `DISCARD ALL` clears it once that client is gone, before
    /// the connection serves anyone else.
    private(set) var stateOwner: ClientSession?
    private var leftSessionState: Bool { stateOwner != nil }

    /// A FATAL error the database sent (relayed or not), so a lost connection is explained.
    private var fatalError: ErrorFields?
    private var relayedFatal = false
    private var flushClient: ClientSession?

    init(core: PoolCore, id: Int) {
        self.core = core
        self.id = id
        self.createdAt = .now()
        self.idleSince = createdAt
    }

    // MARK: Connecting

    /// Opens the TCP connection; login starts once it is up.
    func connect() {
        let upstream = core.configuration.upstream
        let bound = NIOLoopBound(self, eventLoop: core.eventLoop)
        ClientBootstrap(group: core.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(ByteToMessageHandler(BackendDecoder()), bound.value)
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

    private func handleLogin(_ type: UInt8, _ body: ByteBuffer) {
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

    /// Relays a run of client messages, tracking what the database will owe. Returns false
    /// when the run held a Terminate (nothing from it on is relayed).
    func relayFromClient(_ batch: ByteBuffer, client: ClientSession) -> Bool {
        guard let context else { return false }
        if needsPrelude {
            needsPrelude = false
            if appliedSet !== client.parameters, let parameters = client.parameters {
                writePrelude(for: parameters, context: context)
            }
        }
        var terminated = false
        var end = batch.readerIndex
        batch.forEachMessage { type, offset, size in
            switch type {
            case MessageType.query:
                expected.append(MessageType.query)
                core.stats.queries &+= 1
            case MessageType.sync:
                if !copyIn { expected.append(MessageType.sync) }
                unsyncedExtended = false
            case MessageType.execute:
                unsyncedExtended = true
                core.stats.queries &+= 1
            case MessageType.parse:
                unsyncedExtended = true
                // A named prepared statement outlives the transaction.
                if batch.getInteger(at: offset + 5, as: UInt8.self) != 0 { stateOwner = client }
            case MessageType.bind, MessageType.describe, MessageType.close, MessageType.flush:
                unsyncedExtended = true
            case MessageType.functionCall:
                expected.append(MessageType.query)
            case MessageType.copyDone, MessageType.copyFail:
                copyIn = false
            case MessageType.terminate:
                terminated = true
                return false
            default:
                break
            }
            end = offset + size
            return true
        }
        if end == batch.writerIndex {
            context.write(wrapOutboundOut(batch), promise: nil)
        } else if end > batch.readerIndex {
            context.write(wrapOutboundOut(batch.getSlice(at: batch.readerIndex, length: end - batch.readerIndex)!), promise: nil)
        }
        return !terminated
    }

    /// Sends the `SET`/`RESET` statements that make this connection's settings the client's.
    private func writePrelude(for parameters: SessionParameters, context: ChannelHandlerContext) {
        for (name, value) in parameters.values where current[name] != value {
            prelude.append((name, value))
        }
        for (name, value) in current where parameters.values[name] == nil && baseline[name] != value {
            prelude.append((name, nil))
        }
        appliedSet = parameters
        guard !prelude.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64 * prelude.count)
        for entry in prelude {
            buffer.writeQuery(SessionParameters.setStatement(entry.name, entry.value))
            expected.append(MessageType.query)
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func finishPreludeEntry() {
        let entry = prelude.removeFirst()
        if let error = preludeError {
            preludeError = nil
            if case .client(let client) = owner {
                client.sendNotice(ErrorFields(
                    severity: "WARNING",
                    code: error.code,
                    message: "startup parameter \(entry.name) = \"\(entry.value ?? "")\" could not be applied and is ignored: \(error.message)"
                ))
            }
            appliedSet = nil
        } else if let value = entry.value {
            if baseline[entry.name] == nil {
                current[entry.name] = value
            } else if case .client(let client) = owner, let normalized = current[entry.name] {
                client.parameters?.values[entry.name] = normalized
            }
        } else {
            current[entry.name] = baseline[entry.name]
        }
    }

    func flush() {
        context?.flush()
    }

    // MARK: Backpressure

    private var readingPaused = false
    private var pausedClient: ClientSession?

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
    private func resumeAll() {
        setReading(true)
        if let client = pausedClient {
            pausedClient = nil
            client.setReading(true)
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let batch = unwrapInboundIn(data)
        var forwardStart = -1
        var forwardEnd = -1
        var offset = batch.readerIndex
        let end = batch.writerIndex
        while offset < end {
            let type = batch.getInteger(at: offset, as: UInt8.self)!
            let size = Int(batch.getInteger(at: offset + 1, as: Int32.self)!) + 1
            if case .client(let client) = owner, prelude.isEmpty {
                if forwardStart < 0 { forwardStart = offset }
                forwardEnd = offset + size
                if trackRelayed(type, batch, offset, size) {
                    relay(batch, from: forwardStart, to: forwardEnd, to: client)
                    forwardStart = -1
                    endLink(client)
                }
            } else {
                if forwardStart >= 0, case .client(let client) = owner {
                    relay(batch, from: forwardStart, to: forwardEnd, to: client)
                    forwardStart = -1
                }
                handleUnrelayed(type, batch.messageBody(at: offset, size: size))
            }
            offset += size
        }
        if forwardStart >= 0, case .client(let client) = owner {
            relay(batch, from: forwardStart, to: forwardEnd, to: client)
        }
    }

    @inline(__always)
    private func relay(_ batch: ByteBuffer, from start: Int, to end: Int, to client: ClientSession) {
        if start == batch.readerIndex, end == batch.writerIndex {
            client.write(batch)
        } else {
            client.write(batch.getSlice(at: start, length: end - start)!)
        }
        flushClient = client
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let client = flushClient {
            flushClient = nil
            client.flush()
        }
    }

    /// Tracks a message relayed to the client; true when it ends the link.
    @inline(__always)
    private func trackRelayed(_ type: UInt8, _ batch: ByteBuffer, _ offset: Int, _ size: Int) -> Bool {
        switch type {
        case MessageType.readyForQuery:
            let status = batch.getInteger(at: offset + 5, as: UInt8.self) ?? Self.idleStatus
            transactionStatus = status
            if !expected.isEmpty { expected.removeFirst() }
            guard status == Self.idleStatus else { return false }
            core.stats.transactions &+= 1
            return core.configuration.mode == .transaction && expected.isEmpty && !unsyncedExtended && !copyIn
        case MessageType.copyInResponse:
            copyIn = true
            // A Sync that reaches the server during COPY FROM STDIN is ignored: no ReadyForQuery for it.
            if expected.first == MessageType.sync { expected.removeFirst() }
        case UInt8(ascii: "C"):  // CommandComplete
            copyIn = false
            if stateOwner == nil, Self.leavesSessionState(batch, offset, size), case .client(let client) = owner {
                stateOwner = client
            }
        case MessageType.errorResponse:
            copyIn = false
            let error = ErrorFields(parsing: batch.messageBody(at: offset, size: size))
            if error.severity == "FATAL" || error.severity == "PANIC" {
                fatalError = error
                relayedFatal = true
            }
        case MessageType.parameterStatus:
            var body = batch.messageBody(at: offset, size: size)
            // The client's own SET: it keeps the value on later server connections.
            if let name = body.readNullTerminatedString(), let value = body.readNullTerminatedString(), current[name] != value {
                current[name] = value
                settingsChanged = true
                if case .client(let client) = owner { core.clientChangedSetting(client, name: name, value: value) }
            }
        default:
            break
        }
        return false
    }

    /// Whether a CommandComplete's tag names a command whose effect outlives the transaction.
    @inline(__always)
    private static func leavesSessionState(_ batch: ByteBuffer, _ offset: Int, _ size: Int) -> Bool {
        let length = size - 6  // the tag, without the header and its terminating zero
        switch batch.getInteger(at: offset + 5, as: UInt8.self) {
        case UInt8(ascii: "S"):
            return length == 3  // SET (every other tag starting with S is longer)
        case UInt8(ascii: "P"), UInt8(ascii: "L"), UInt8(ascii: "D"), UInt8(ascii: "C"):
            guard let tag = batch.getString(at: offset + 5, length: max(0, length)) else { return false }
            return tag == "PREPARE" || tag == "LISTEN" || tag.hasPrefix("DECLARE") || tag.hasPrefix("CREATE")
        default:
            return false
        }
    }

    /// Messages not relayed: login, the pool's own statements, the `SET` prelude, or
    /// anything arriving while idle.
    private func handleUnrelayed(_ type: UInt8, _ body: ByteBuffer) {
        switch owner {
        case .starting:
            handleLogin(type, body)
            return
        case .closed:
            return
        case .client, .pool:
            break
        }
        switch type {
        case MessageType.errorResponse:
            let error = ErrorFields(parsing: body)
            if error.severity == "FATAL" || error.severity == "PANIC" { fatalError = error }
            if !prelude.isEmpty { preludeError = error } else { internalError = error }
            copyIn = false
        case MessageType.parameterStatus:
            var body = body
            if let name = body.readNullTerminatedString(), let value = body.readNullTerminatedString() {
                current[name] = value
            }
        case MessageType.copyInResponse:
            // Draining a client's COPY FROM STDIN: abort it.
            copyIn = false
            writeCopyFailAndSync()
        case MessageType.readyForQuery:
            let status = body.getInteger(at: body.readerIndex, as: UInt8.self) ?? Self.idleStatus
            transactionStatus = status
            if !expected.isEmpty { expected.removeFirst() }
            if !prelude.isEmpty {
                finishPreludeEntry()
            } else if expected.isEmpty, let settled = onSettled {
                onSettled = nil
                let error = internalError
                internalError = nil
                settled(self, error)
            }
        default:
            break  // notices, notifications, rows of the pool's own statements
        }
    }

    // MARK: Ending a link

    private func endLink(_ client: ClientSession) {
        owner = .pool
        if settingsChanged { recordSettings(matching: client.parameters) }
        if readingPaused || pausedClient != nil { resumeAll() }
        client.serverReleased()
        core.servers.release(self)
    }

    /// Clears the session state a client that left behind (the connection is idle, or just
    /// finished a transaction), then gives the connection back.
    func resetSessionState() {
        runReset(["DISCARD ALL"])
    }

    /// After the client changed a reported setting (`SET application_name`): records
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
        if settingsChanged { recordSettings(matching: appliedSet) }
        flushClient = nil
        if readingPaused || pausedClient != nil { resumeAll() }
        if !prelude.isEmpty {
            prelude.removeAll()
            preludeError = nil
            preludeInterrupted = true
            appliedSet = nil
        }
        let clean = expected.isEmpty && !unsyncedExtended && !copyIn && transactionStatus == Self.idleStatus
        if clean && !preludeInterrupted {
            if core.configuration.mode == .session || leftSessionState {
                runReset(["DISCARD ALL"])
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
        let onlyCopyIn = copyIn && expected.count <= 1
        if copyIn {
            copyIn = false
            writeCopyFailAndSync()
        } else if unsyncedExtended {
            unsyncedExtended = false
            var sync = context.channel.allocator.buffer(capacity: 5)
            sync.writeSync()
            expected.append(MessageType.sync)
            context.write(wrapOutboundOut(sync), promise: nil)
        }
        context.flush()
        if !expected.isEmpty && !onlyCopyIn {
            cancelSent = true
            core.sendCancel(processID: backendProcessID, secretKey: backendSecretKey)
        }
        armDrainTimer()
        if expected.isEmpty {
            finishDrain()
        } else {
            onSettled = { server, _ in server.finishDrain() }
        }
    }

    /// Runs the pool's reset statements for a client that left, closing the connection if
    /// they do not finish within the drain timeout.
    private func runReset(_ statements: [String]) {
        armDrainTimer()
        runInternal(statements) { server, error in server.finishReset(error) }
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
        expected.append(MessageType.sync)
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
        core.servers.release(self)
    }

    // MARK: The pool's own statements

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
            expected.append(MessageType.query)
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
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
