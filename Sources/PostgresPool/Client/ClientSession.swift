import Logging
import NIOCore

/// One client connection: answers the startup handshake, authenticates the client, then
/// relays its messages to whichever server connection the pool links it to.
///
/// Event-loop confined, like everything in the pool.
final class ClientSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        /// Before a StartupMessage (SSLRequest/GSSENCRequest may come first).
        case startup
        case scramFirst(SCRAMServerExchange)
        case scramFinal(SCRAMServerExchange)
        case md5(salt: [UInt8])
        /// Authenticated; waiting for a server connection to learn the database's parameters,
        /// or to check startup settings the pool has not seen before.
        case awaitingServerParameters(Waiter?)
        /// A server connection is checking the startup settings (as PostgreSQL does at login).
        case checkingSettings
        /// Logged in, not linked.
        case ready
        /// Waiting for a server connection.
        case waiting(Waiter)
        case linked(ServerConnection)
        case closed
    }

    /// Message runs buffered while waiting before the client is paused.
    private static let maxPendingBatches = 16

    /// Strong: a client closed by the pool's shutdown reports back after the pool is gone
    /// (the cycle ends when the pool forgets the client).
    let core: PoolCore
    let processID: Int32
    let secretKey: Int32
    private(set) var state: State = .startup
    private var context: ChannelHandlerContext?
    /// The client's settings: at first those it asked for at startup, shared with clients
    /// that asked for the same; then with its own tracked `SET`s.
    var parameters: SessionParameters?
    /// The settings it asked for at startup (what `RESET` and `DISCARD ALL` go back to).
    private(set) var startupSettings: [String: String] = [:]
    /// Its named prepared statements (transaction mode): its names for the pool's statements.
    var statements: [ByteBuffer: PreparedStatement] = [:]
    /// Why it is pinned to its server connection, if it is.
    var pins = PinReasons()
    private var user = ""
    private var pendingInput: [ByteBuffer] = []
    private var pendingNotices: [ErrorFields] = []
    private var loginTimer: Scheduled<Void>?
    private var serverToFlush: ServerConnection?
    var overClientLimit = false
    /// Cuts what the client sends into startup packets and runs of messages.
    private(set) var framing = FrontendFraming()
    /// The client's connection runs over TLS (it sent SSLRequest and the pool said `S`).
    var isEncrypted = false

    init(core: PoolCore, processID: Int32, secretKey: Int32) {
        self.core = core
        self.processID = processID
        self.secretKey = secretKey
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        core.clientConnected(self)
        let timeout = core.configuration.loginTimeout
        loginTimer = context.eventLoop.assumeIsolated().scheduleTask(in: PoolConfiguration.timeAmount(timeout)) {
            self.core.stats.errors.loginTimeout += 1
            self.fail(ErrorFields(
                code: SQLState.protocolViolation,
                message: "login timed out: the client did not complete its login within \(PoolConfiguration.milliseconds(timeout)) ms"
            ))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        loginTimer?.cancel()
        let previous = state
        state = .closed
        pendingInput.removeAll()
        core.clientDisconnected(self)
        giveUp(previous)
    }

    /// Leaves the queue for a server connection, or the linked one, that the
    /// client held in `previous`.
    private func giveUp(_ previous: State) {
        switch previous {
        case .waiting(let waiter), .awaitingServerParameters(.some(let waiter)):
            core.servers.cancelWait(waiter)
        case .linked(let server):
            server.clientGone()
        default:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = state { return }
        framing.append(unwrapInboundIn(data))
        do {
            while let run = try framing.next() { handle(run) }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    /// Acts on a startup packet or a run of complete messages, as the state wants.
    private func handle(_ batch: ByteBuffer) {
        switch state {
        case .linked(let server):
            relay(batch, to: server)
        case .ready:
            if batch.getInteger(at: batch.readerIndex, as: UInt8.self) == MessageType.terminate {
                return close()
            }
            if let server = core.servers.acquireNow() {
                state = .linked(server)
                server.link(to: self)
                relay(batch, to: server)
            } else {
                pendingInput.append(batch)
                state = .waiting(core.servers.enqueue(self))
            }
        case .waiting, .awaitingServerParameters, .checkingSettings:
            pendingInput.append(batch)
            if pendingInput.count == Self.maxPendingBatches {
                // A client that keeps sending while it waits is paused until it gets a connection.
                setReading(false)
            }
        case .startup:
            handleStartupPacket(batch)
        case .scramFirst, .scramFinal, .md5:
            handleAuthentication(batch)
        case .closed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let server = serverToFlush {
            serverToFlush = nil
            server.flush()
            server.clientInputDone()
        }
    }

    /// A client that does not read its results stops the server connection from reading more.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .linked(let server) = state {
            server.setReading(context.channel.isWritable)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Pauses or resumes reading from the client (its server connection is backed up).
    func setReading(_ reading: Bool) {
        try? context?.channel.syncOptions?.setOption(.autoRead, value: reading)
        if reading { context?.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let violation = error as? ProtocolViolation {
            core.stats.errors.protocol += 1
            core.logger.debug("client \(processID): \(violation)")
            fail(violation.errorFields)
        } else if let failure = tlsFailure(error) {
            core.logger.warning("client \(processID): \(failure)")
            close()
        } else {
            core.logger.debug("client \(processID): \(error)")
            close()
        }
    }

    @inline(__always)
    private func relay(_ batch: ByteBuffer, to server: ServerConnection) {
        serverToFlush = server
        if !server.relayFromClient(batch, client: self) {
            close()
        }
    }

    // MARK: Writing

    @inline(__always)
    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func sendNotice(_ notice: ErrorFields) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeErrorResponse(notice, notice: true)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Sends an ErrorResponse and closes the connection.
    func fail(_ error: ErrorFields) {
        guard let context else { return }
        if case .closed = state { return }
        let previous = state
        state = .closed
        loginTimer?.cancel()
        giveUp(previous)
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeErrorResponse(error)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        // A client that never reads its error must not keep the socket open.
        let channel = context.channel
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
            channel.close(promise: nil)
        }
    }

    func close() {
        context?.close(promise: nil)
    }

    // MARK: Startup

    private func handleStartupPacket(_ packet: ByteBuffer) {
        let request: StartupRequest
        do {
            request = try StartupRequest(parsing: packet)
        } catch let violation as ProtocolViolation {
            core.stats.errors.protocol += 1
            return fail(violation.errorFields)
        } catch {
            return close()
        }
        switch request {
        case .sslRequest:
            guard let context else { return }
            answerSSLRequest(context)
        case .gssEncRequest:
            guard let context else { return }
            var answer = context.channel.allocator.buffer(capacity: 1)
            answer.writeInteger(UInt8(ascii: "N"))
            context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
        case .cancel(let processID, let secretKey):
            core.cancel(processID: processID, secretKey: secretKey)
            close()
        case .unsupportedVersion(let major, let minor):
            core.stats.errors.protocol += 1
            fail(ErrorFields(
                code: SQLState.featureNotSupported,
                message: "unsupported frontend protocol \(major).\(minor): the pool supports protocol 3.0"
            ))
        case .startup(let minor, let parameters):
            if let refusal = plainConnectionRefusal() { return fail(refusal) }
            startLogin(minorVersion: minor, parameters)
        }
    }

    private func startLogin(minorVersion: Int32, _ startupParameters: [(String, String)]) {
        let configuration = core.configuration
        if overClientLimit {
            core.stats.errors.clientLimit += 1
            return fail(ErrorFields(
                code: SQLState.tooManyConnections,
                message: "too many client connections: the pool accepts at most \(configuration.maxClientConnections) (pool.maxClientConnections)",
                hint: "Close idle clients or raise pool.maxClientConnections."
            ))
        }
        var database = ""
        var settings: [String: String] = [:]
        var unrecognizedOptions: [String] = []
        for (name, value) in startupParameters {
            switch name {
            case "user":
                user = value
            case "database":
                database = value
            case "replication":
                if !["false", "off", "no", "0"].contains(value.lowercased()) {
                    return fail(ErrorFields(
                        code: SQLState.featureNotSupported,
                        message: "replication connections are not supported by the pool; connect to the database directly"
                    ))
                }
            case "options":
                if let options = SessionParameters.parseOptions(value) {
                    for (option, optionValue) in options { addSetting(option, optionValue, to: &settings) }
                } else {
                    pendingNotices.append(ErrorFields(
                        severity: "WARNING", code: SQLState.featureNotSupported,
                        message: "startup option string \"\(value)\" is ignored: the pool understands only -c name=value"
                    ))
                }
            case let name where name.hasPrefix("_pq_."):
                unrecognizedOptions.append(name)
            default:
                addSetting(name, value, to: &settings)
            }
        }
        if minorVersion > 0 || !unrecognizedOptions.isEmpty {
            sendNegotiateProtocolVersion(unrecognizedOptions)
        }
        guard !user.isEmpty else {
            core.stats.errors.authFailed += 1
            return fail(ErrorFields(code: SQLState.invalidAuthorization, message: "no PostgreSQL user name specified in startup packet"))
        }
        if database.isEmpty { database = user }
        guard user == configuration.upstream.user else {
            core.stats.errors.authFailed += 1
            return fail(ErrorFields(
                code: SQLState.invalidAuthorization,
                message: "role \"\(user)\" is not served by this pool: it serves only role \"\(configuration.upstream.user)\""
            ))
        }
        guard database == configuration.upstream.database else {
            core.stats.errors.authFailed += 1
            return fail(ErrorFields(
                code: SQLState.invalidCatalogName,
                message: "database \"\(database)\" does not exist: this pool serves only database \"\(configuration.upstream.database)\""
            ))
        }
        parameters = core.sessionParameters(for: settings)
        startupSettings = settings
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 32)
        switch configuration.clientAuthentication {
        case .trust:
            completeAuthentication(buffer)
        case .scramSHA256:
            buffer.writeAuthentication(AuthenticationCode.sasl) { body in
                body.writeCString(SCRAMPrimitives.mechanism)
                body.writeInteger(UInt8(0))
            }
            state = .scramFirst(SCRAMServerExchange(verifier: core.scramVerifier))
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .md5:
            let salt = SCRAMPrimitives.randomBytes(4)
            buffer.writeAuthentication(AuthenticationCode.md5Password) { $0.writeBytes(salt) }
            state = .md5(salt: salt)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    private func addSetting(_ name: String, _ value: String, to settings: inout [String: String]) {
        guard SessionParameters.isValidName(name) else {
            pendingNotices.append(ErrorFields(
                severity: "WARNING", code: SQLState.featureNotSupported,
                message: "startup parameter \"\(name)\" is ignored: not a valid setting name"
            ))
            return
        }
        let name = SessionParameters.canonical(name)
        settings[name] = name == "client_encoding" ? ClientEncoding.canonical(value) ?? value : value
    }

    private func sendNegotiateProtocolVersion(_ unrecognized: [String]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 32)
        buffer.writeMessage(MessageType.negotiateProtocolVersion) { body in
            body.writeInteger(StartupCode.protocol3)
            body.writeInteger(Int32(unrecognized.count))
            for option in unrecognized { body.writeCString(option) }
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: Authentication

    private func handleAuthentication(_ batch: ByteBuffer) {
        guard let type = batch.getInteger(at: batch.readerIndex, as: UInt8.self),
              let length = batch.getInteger(at: batch.readerIndex + 1, as: Int32.self) else { return }
        guard type == MessageType.password else {
            core.stats.errors.protocol += 1
            return fail(ErrorFields(
                code: SQLState.protocolViolation,
                message: "expected a password response during authentication, got message type \(MessageScanner.describe(type))"
            ))
        }
        var body = batch.getSlice(at: batch.readerIndex + 5, length: Int(length) - 4)!
        let rest = batch.getSlice(at: batch.readerIndex + Int(length) + 1, length: batch.readableBytes - Int(length) - 1)!
        let configuration = core.configuration
        switch state {
        case .scramFirst(var exchange):
            guard let mechanism = body.readNullTerminatedString(), let dataLength = body.readInteger(as: Int32.self) else {
                return protocolFailure("malformed SASLInitialResponse message")
            }
            guard mechanism == SCRAMPrimitives.mechanism else {
                return protocolFailure("client selected an invalid SASL authentication mechanism \"\(mechanism)\"")
            }
            guard dataLength >= 0, let data = body.readString(length: Int(dataLength)) else {
                return protocolFailure("malformed SASLInitialResponse message")
            }
            do {
                let serverFirst = try exchange.receiveClientFirst(data)
                state = .scramFinal(exchange)
                writeAuthentication(AuthenticationCode.saslContinue, Array(serverFirst.utf8))
            } catch {
                return authenticationFailure(error)
            }
        case .scramFinal(let exchange):
            do {
                let serverFinal = try exchange.receiveClientFinal(String(buffer: body))
                var buffer = context!.channel.allocator.buffer(capacity: 256)
                buffer.writeAuthentication(AuthenticationCode.saslFinal) { $0.writeString(serverFinal) }
                completeAuthentication(buffer)
            } catch {
                return authenticationFailure(error)
            }
        case .md5(let salt):
            let expected = MD5Password.hash(user: user, password: configuration.upstream.password, salt: salt)
            guard body.readNullTerminatedString() == expected else {
                return authenticationFailure(.wrongPassword)
            }
            completeAuthentication(context!.channel.allocator.buffer(capacity: 256))
        default:
            return
        }
        if rest.readableBytes > 0 {
            handle(rest)
        }
    }

    private func writeAuthentication(_ code: Int32, _ payload: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: payload.count + 9)
        buffer.writeAuthentication(code) { $0.writeBytes(payload) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func protocolFailure(_ message: String) {
        core.stats.errors.protocol += 1
        fail(ErrorFields(code: SQLState.protocolViolation, message: message))
    }

    private func authenticationFailure(_ error: SCRAMServerExchange.Failure) {
        switch error {
        case .malformed(let message):
            protocolFailure(message)
        case .wrongPassword:
            core.stats.errors.authFailed += 1
            fail(ErrorFields(code: SQLState.invalidPassword, message: "password authentication failed for user \"\(user)\""))
        }
    }

    /// Authentication succeeded: `AuthenticationOk`, then the parameters, key and ReadyForQuery.
    private func completeAuthentication(_ buffer: ByteBuffer) {
        framing.loggedIn = true
        var buffer = buffer
        buffer.writeAuthentication(AuthenticationCode.ok)
        context?.write(wrapOutboundOut(buffer), promise: nil)
        if core.serverParameters != nil, core.uncheckedSettings(startupSettings).isEmpty {
            return completeLogin()
        }
        // The first client: a server connection tells us the database's parameters. A client
        // with settings not seen before: a server connection checks them.
        context?.flush()
        state = .awaitingServerParameters(nil)
        if let server = core.servers.acquireNow() {
            link(server)
        } else {
            state = .awaitingServerParameters(core.servers.enqueue(self))
        }
    }

    private func completeLogin() {
        guard let context, let serverParameters = core.serverParameters else { return }
        loginTimer?.cancel()
        loginTimer = nil
        var buffer = context.channel.allocator.buffer(capacity: 512)
        for (name, value) in serverParameters {
            buffer.writeParameterStatus(name, parameters?.values[name] ?? value)
        }
        buffer.writeBackendKeyData(processID: processID, secretKey: secretKey)
        for notice in pendingNotices { buffer.writeErrorResponse(notice, notice: true) }
        pendingNotices = []
        buffer.writeReadyForQuery(UInt8(ascii: "I"))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        state = .ready
    }

    // MARK: Linking

    /// The pool hands this (waiting) client a server connection.
    func link(_ server: ServerConnection) {
        switch state {
        case .awaitingServerParameters:
            let unchecked = core.uncheckedSettings(startupSettings)
            if !unchecked.isEmpty {
                state = .checkingSettings
                server.checkSettings(unchecked) { error in self.settingsChecked(unchecked, by: server, error) }
                return
            }
            completeLogin()
            guard !pendingInput.isEmpty else {
                return server.unlinkUnused()
            }
        case .waiting:
            break
        default:
            // Not waiting any more (closed meanwhile): give it straight back.
            return server.unlinkUnused()
        }
        state = .linked(server)
        server.link(to: self)
        for index in pendingInput.indices {
            if !server.relayFromClient(pendingInput[index], client: self) {
                close()
                break
            }
        }
        if pendingInput.count >= Self.maxPendingBatches { setReading(true) }
        pendingInput.removeAll(keepingCapacity: true)
        server.flush()
        server.clientInputDone()
    }

    /// A CancelRequest while the client waits for a server connection: the first query it
    /// waits to run (a Query, or extended-protocol messages up to their Sync) ends as
    /// PostgreSQL ends a cancelled one; what it sent after that keeps waiting.
    func cancelWait() {
        guard case .waiting(let waiter) = state else { return }
        var pending = ByteBufferAllocator().buffer(capacity: pendingInput.reduce(0) { $0 + $1.readableBytes })
        for var batch in pendingInput { pending.writeBuffer(&batch) }
        var unitEnd: Int?
        pending.forEachMessage { type, offset, size in
            switch type {
            case MessageType.query, MessageType.sync, MessageType.functionCall:
                unitEnd = offset + size
                return false
            case MessageType.terminate:
                return false
            default:
                return true
            }
        }
        guard let unitEnd else { return }
        let wasPaused = pendingInput.count >= Self.maxPendingBatches
        let rest = pending.getSlice(at: unitEnd, length: pending.writerIndex - unitEnd)!
        pendingInput = rest.readableBytes > 0 ? [rest] : []
        if pendingInput.isEmpty {
            core.servers.cancelWait(waiter)
            state = .ready
        }
        if wasPaused { setReading(true) }
        var answer = ByteBufferAllocator().buffer(capacity: 96)
        answer.writeErrorResponse(ErrorFields(severity: "ERROR", code: SQLState.queryCanceled, message: "canceling statement due to user request"))
        answer.writeReadyForQuery(ServerConnection.idleStatus)
        write(answer)
        flush()
    }

    /// The startup settings were checked: refused as PostgreSQL refuses them at login, or
    /// the login goes on with the server connection that checked them.
    private func settingsChecked(_ settings: [(String, String)], by server: ServerConnection, _ error: ErrorFields?) {
        guard case .checkingSettings = state else { return core.servers.release(server) }
        if var error {
            core.servers.release(server)
            error.severity = "FATAL"
            return fail(error)
        }
        core.settingsChecked(settings)
        state = .awaitingServerParameters(nil)
        link(server)
    }

    /// The transaction ended and the pool took the server connection back.
    func serverReleased() {
        state = .ready
    }

    /// The linked server connection died. `error` is nil when the database's own FATAL
    /// error was already relayed.
    func serverLost(_ error: ErrorFields?) {
        guard case .linked = state else { return }
        state = .ready  // so that `fail` does not hand the dead connection back
        if let error {
            fail(error)
        } else {
            flush()
            state = .closed
            close()
        }
    }

    /// No server connection came within `acquireTimeout`.
    func acquireTimedOut(waitedMilliseconds: Int64, busy: Int) {
        let configuration = core.configuration
        fail(ErrorFields(
            code: SQLState.protocolViolation,
            message: "no server connection available: waited \(waitedMilliseconds) ms (pool.acquireTimeoutMs = \(PoolConfiguration.milliseconds(configuration.acquireTimeout))) while \(busy) of \(configuration.maxServerConnections) server connections were busy (pool.maxServerConnections = \(configuration.maxServerConnections))",
            hint: "Raise pool.maxServerConnections or pool.acquireTimeoutMs, or keep transactions shorter."
        ))
    }

    /// Opening a server connection for this client failed.
    func acquireFailed(_ error: ErrorFields) {
        fail(error)
    }
}
