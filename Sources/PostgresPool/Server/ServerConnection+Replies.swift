import NIOCore

extension ServerConnection {
    /// What happens to one message from the database.
    enum Route {
        /// It goes to the client.
        case relay
        /// It answers the pool's own message, or arrived for no one.
        case swallow
        /// The client gets this instead.
        case replace(ByteBuffer)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framer.append(unwrapInboundIn(data))
        do {
            while let run = try framer.nextRun(MessageScanner.backendBytes) { handle(run) }
        } catch {
            framer.stop()
            errorCaught(context: context, error: error)
        }
    }

    /// Routes each message of a run: relayed to the client in slices of the run, swallowed,
    /// or replaced; the pool's own answers follow the replies they wait for.
    private func handle(_ batch: ByteBuffer) {
        var forwardStart = -1
        var forwardEnd = -1
        var offset = batch.readerIndex
        let end = batch.writerIndex
        while offset < end {
            let type = batch.getInteger(at: offset, as: UInt8.self)!
            let size = Int(batch.getInteger(at: offset + 1, as: Int32.self)!) + 1
            defer { offset += size }
            if case .starting = owner {
                handleLogin(type, batch.messageBody(at: offset, size: size))
                continue
            }
            guard case .client(let client) = owner else {
                _ = route(type, batch, offset, size)
                continue
            }
            let route = self.route(type, batch, offset, size)
            if case .relay = route {
                if forwardStart < 0 { forwardStart = offset }
                forwardEnd = offset + size
            } else {
                if forwardStart >= 0 { relay(batch, from: forwardStart, to: forwardEnd, to: client) }
                forwardStart = -1
                if case .replace(let buffer) = route {
                    client.write(buffer)
                    flushLater(client)
                }
            }
            if type == MessageType.readyForQuery || answeredLocally || replies.firstIsLocal {
                if forwardStart >= 0 { relay(batch, from: forwardStart, to: forwardEnd, to: client) }
                forwardStart = -1
                afterReply(type, client)
            }
        }
        if forwardStart >= 0, case .client(let client) = owner {
            relay(batch, from: forwardStart, to: forwardEnd, to: client)
        }
    }

    /// After a reply: the pool's own answers now due, and the end of the transaction.
    private func afterReply(_ type: UInt8, _ client: ClientSession) {
        var readyForQuery = type == MessageType.readyForQuery
        while replies.firstIsLocal, let first = replies.popFirst() {
            emitLocal(first.action, to: client)
            flushLater(client)
        }
        if answeredLocally {
            answeredLocally = false
            readyForQuery = true
        }
        if readyForQuery, case .client(let linked) = owner, linked === client, canEndLink {
            endLink(client)
        }
    }

    @inline(__always)
    private func relay(_ batch: ByteBuffer, from start: Int, to end: Int, to client: ClientSession) {
        if start == batch.readerIndex, end == batch.writerIndex {
            client.write(batch)
        } else {
            client.write(batch.getSlice(at: start, length: end - start)!)
        }
        flushLater(client)
    }

    /// Marks `client` as written to: flushed at the end of this read. Another
    /// client still marked (the link ended and the connection went to the next
    /// client within the same read) is flushed now, so its reply is not left behind.
    private func flushLater(_ client: ClientSession) {
        if let pending = flushClient, pending !== client { pending.flush() }
        flushClient = client
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let client = flushClient {
            flushClient = nil
            client.flush()
        }
    }

    // MARK: Matching replies

    /// Where the replies to the oldest outstanding message go.
    private var frontRoute: Route {
        replies.firstIsRelayed ? .relay : .swallow
    }

    /// Matches one message from the database to the message it answers.
    private func route(_ type: UInt8, _ batch: ByteBuffer, _ offset: Int, _ size: Int) -> Route {
        switch type {
        case MessageType.dataRow:
            if replies.firstIsCapture { captureRow(batch.messageBody(at: offset, size: size)) }
            return frontRoute
        case MessageType.parseComplete, MessageType.bindComplete, MessageType.closeComplete, MessageType.noData:
            guard let reply = replies.popFirst() else { return .relay }
            if case .duplicateParse(_, let key, let definition, let serverName) = reply.action {
                adoptReparse(key, definition, strayName: serverName)
            }
            return reply.action.isRelayed ? .relay : .swallow
        case MessageType.rowDescription:
            guard let request = replies.firstRequest else { return .relay }
            let route = frontRoute
            if request == MessageType.describe { replies.popFirst() }
            return route
        case MessageType.commandComplete, MessageType.emptyQueryResponse, MessageType.portalSuspended:
            if type == MessageType.commandComplete { copyIn = false }
            guard let request = replies.firstRequest else { return .relay }
            let route = frontRoute
            if type == MessageType.commandComplete, Self.isSchemaChange(batch, at: offset, size: size) {
                core.statements.schemaChanged()
            }
            if request == MessageType.execute { replies.popFirst() }
            return route
        case MessageType.readyForQuery:
            return readyForQuery(batch.getInteger(at: offset + 5, as: UInt8.self) ?? Self.idleStatus)
        case MessageType.errorResponse:
            return error(ErrorFields(parsing: batch.messageBody(at: offset, size: size)))
        case MessageType.parameterStatus:
            var body = batch.messageBody(at: offset, size: size)
            // The client's RESET put back to its startup value: the client hears of it.
            let route = replies.first.map { if case .restore = $0.action { true } else { false } } == true ? .relay : frontRoute
            if let name = body.readNullTerminatedString(), let value = body.readNullTerminatedString(), current[name] != value {
                current[name] = value
                // The client's own SET (or RESET): it keeps the value on later server connections.
                if case .relay = route, case .client(let client) = owner {
                    settingsChanged = true
                    core.clientChangedSetting(client, name: name, value: value)
                }
            }
            return route
        case MessageType.copyInResponse:
            copyIn = true
            // A Sync that reaches the server during COPY FROM STDIN is ignored: no ReadyForQuery for it.
            if replies.firstRequest == MessageType.execute {
                replies.removeFirst { $0.request == MessageType.sync }
            }
            return frontRoute
        case MessageType.notificationResponse:
            return .relay
        default:
            return frontRoute
        }
    }

    private func readyForQuery(_ status: UInt8) -> Route {
        transactionStatus = status
        guard let reply = replies.popFirst() else { return .relay }
        switch reply.action {
        case .prelude(let name, let value):
            finishPrelude(name, value)
        case .capture:
            finishCapture(status)
        default:
            break
        }
        if let effects = reply.effects { finishGroup(effects, failed: reply.failed, status: status) }
        if case .pool = owner, replies.isEmpty, let settled = onSettled {
            onSettled = nil
            let error = internalError
            internalError = nil
            settled(self, error)
            return .swallow
        }
        guard reply.action.isRelayed else { return .swallow }
        if status == Self.idleStatus { core.stats.transactions &+= 1 }
        return .relay
    }

    private func error(_ error: ErrorFields) -> Route {
        copyIn = false
        if error.severity == "FATAL" || error.severity == "PANIC" {
            fatalError = error
            if case .client = owner, replies.firstIsRelayed { relayedFatal = true }
        }
        guard let front = replies.first else { return .relay }
        if case .pool = owner, internalError == nil { internalError = error }
        if front.endsGroup {
            switch front.action {
            case .prelude:
                preludeError = error
                return .swallow
            case .capture, .restore, .internal:
                return .swallow
            default:
                replies.markFirstFailed()
                return .relay
            }
        }
        // An extended-protocol message failed: the server skips everything up to the next Sync.
        var route = Route.relay
        switch front.action {
        case .duplicateParse(let name, _, _, _):
            var renamed = error
            renamed.message = "prepared statement \"\(name)\" already exists"
            var buffer = ByteBufferAllocator().buffer(capacity: 96)
            buffer.writeErrorResponse(renamed)
            route = .replace(buffer)
        case .bind(let statement, let generation) where error.isStalePreparedStatement:
            if case .client(let client) = owner, canRetry(generation) {
                replay(statement, for: client)
                return .swallow
            }
            core.statements.invalidate(statement)
        case .describe(let statement) where error.isStalePreparedStatement:
            core.statements.invalidate(statement)
        default:
            break
        }
        failUntilSync()
        if case .relay = route, let renamed = clientsWording(error) { return .replace(renamed) }
        return route
    }

    /// Drops what the server will skip after an error (the failed message included),
    /// undoing what each would have changed.
    private func failUntilSync() {
        var skipped: [PendingReply] = []
        while let request = replies.firstRequest, request != MessageType.sync, let reply = replies.popFirst() {
            skipped.append(reply)
        }
        if replies.isEmpty {
            skippingUntilSync = true
        } else {
            replies.markFirstFailed()
        }
        for reply in skipped.reversed() { undo(reply) }
    }

    private func undo(_ reply: PendingReply) {
        var client: ClientSession?
        if case .client(let linked) = owner { client = linked }
        switch reply.action {
        case .parse(let name, let statement, let id):
            if let client, client.statements[name] === statement {
                client.statements[name] = nil
                core.statements.release(statement)
            }
            forgetCopy(id)
        case .prepare(_, let id):
            forgetCopy(id)
        case .evict(let entry):
            statementCache.restore(entry)
            core.statements.retain(entry.statement)
        case .localParseComplete(let name, let statement):
            if let client, client.statements[name] === statement {
                client.statements[name] = nil
                core.statements.release(statement)
            }
        case .localCloseComplete(let name, let statement), .localDeallocate(let name, let statement):
            restore(name, statement, in: client)
        case .notice:
            if let client {
                emitLocal(reply.action, to: client)
                flushLater(client)
            }
        default:
            break
        }
    }

    /// A Parse of a name the client had, pipelined after the Parse that created it, went
    /// through: that earlier Parse failed, so the name is now this statement's, as on a
    /// direct connection. The server holds it under the old statement's server name, a
    /// stray deallocated before the connection serves anyone else.
    private func adoptReparse(_ key: ByteBuffer, _ definition: ByteBuffer, strayName: String) {
        strayStatements.append(strayName)
        guard case .client(let client) = owner, client.statements[key] == nil else { return }
        let statement = core.statements.retain(definition: definition)
        if PreparedStatement.serverName(statement.serverID) == strayName {
            // The same text as the failed one: its name on the server is the stray's.
            core.statements.invalidate(statement, counted: false)
        }
        client.statements[key] = statement
    }

    /// PostgreSQL names a statement in some errors: the client's name, not the pool's.
    private func clientsWording(_ error: ErrorFields) -> ByteBuffer? {
        guard error.message.contains("\"" + PreparedStatement.namePrefix), case .client(let client) = owner else { return nil }
        var renamed = error
        for (name, statement) in client.statements {
            renamed.message = renamed.message.replacing(
                "\"\(PreparedStatement.serverName(statement.serverID))\"", with: "\"\(String(buffer: name))\"")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: 128)
        buffer.writeErrorResponse(renamed)
        return buffer
    }

    /// Whether a CommandComplete's tag is DDL (`CREATE TYPE`, `DROP TABLE`, `ALTER ...`).
    private static func isSchemaChange(_ batch: ByteBuffer, at offset: Int, size: Int) -> Bool {
        guard let first = batch.getInteger(at: offset + 5, as: UInt8.self),
              first == UInt8(ascii: "C") || first == UInt8(ascii: "D") || first == UInt8(ascii: "A"),
              let tag = batch.getString(at: offset + 5, length: min(7, size - 5))
        else { return false }
        return tag.hasPrefix("CREATE ") || tag.hasPrefix("DROP ") || tag.hasPrefix("ALTER ")
    }

    private func forgetCopy(_ id: Int) {
        if let entry = statementCache.remove(id: id) { core.statements.release(entry.statement) }
    }

    // MARK: Cached plans

    /// Whether the failed Bind's group can be replayed: the client's libpq-style execution
    /// (Bind, Describe portal, Execute, Sync) first in its group, outside a transaction,
    /// with nothing sent after it.
    private func canRetry(_ generation: Int) -> Bool {
        generation != 0 && generation == retryGeneration && retryCopy != nil
            && transactionStatus == Self.idleStatus && replies.count == 4 && replies.last?.request == MessageType.sync
    }

    /// Replays the client's group under a new server-side name: the client sees the new
    /// result columns instead of the error.
    private func replay(_ statement: PreparedStatement, for client: ClientSession) {
        core.statements.retries += 1
        core.statements.invalidate(statement)
        // The server skips the rest of the group; the ReadyForQuery for its Sync is the pool's.
        replies.removeFirst(3)
        replies.setFirstAction(.internal)
        let copy = retryCopy!
        retryCopy = nil
        _ = relayFromClient(copy, client: client, replaying: true)
        context?.flush()
    }

    // MARK: Settings and group effects

    private func finishPrelude(_ name: String, _ value: String?) {
        if let error = preludeError {
            preludeError = nil
            if case .client(let client) = owner {
                client.sendNotice(ErrorFields(
                    severity: "WARNING",
                    code: error.code,
                    message: "startup parameter \(name) = \"\(value ?? "")\" could not be applied and is ignored: \(error.message)"
                ))
            }
            appliedSet = nil
        } else if let value {
            if baseline[name] == nil {
                current[name] = value
            } else if case .client(let client) = owner, let normalized = current[name] {
                client.parameters?.values[name] = normalized
            }
        } else {
            current[name] = baseline[name]
        }
    }

    private func captureRow(_ body: ByteBuffer) {
        var body = body
        guard body.readInteger(as: Int16.self) == 3,
              let nameLength = body.readInteger(as: Int32.self), let name = body.readString(length: Int(nameLength)),
              let valueLength = body.readInteger(as: Int32.self), let value = body.readString(length: Int(max(valueLength, 0))),
              let flagLength = body.readInteger(as: Int32.self), let flag = body.readString(length: Int(max(flagLength, 0)))
        else { return }
        capturedSettings.append((name, value, flag == "t"))
    }

    /// The unreported tracked settings read back: outside a transaction they become the
    /// client's, the server's default included (a RESET was already turned into the
    /// client's startup value by the restore step).
    private func finishCapture(_ status: UInt8) {
        let rows = capturedSettings
        capturedSettings = []
        guard status == Self.idleStatus, case .client(let client) = owner else { return }
        captureSettings = false
        settingsChanged = true
        for row in rows {
            // The server has the value the client wants: nil, the server's default, when
            // the client never asked for another.
            let wanted = row.isDefault && client.startupSettings[row.name] == nil ? nil : row.value
            current[row.name] = wanted
            if client.parameters?.values[row.name] != wanted {
                core.clientChangedSetting(client, name: row.name, value: wanted)
            }
        }
    }

    private func finishGroup(_ effects: GroupEffects, failed: Bool, status: UInt8) {
        var client: ClientSession?
        if case .client(let linked) = owner { client = linked }
        if let before = effects.statementsBefore {
            if failed {
                for (name, statement) in before.client { restore(name, statement, in: client) }
                for entry in before.server {
                    if statementCache.entries[entry.id] == nil {
                        statementCache.restore(entry)
                    } else {
                        core.statements.release(entry.statement)
                    }
                }
            } else {
                for statement in before.client.values { core.statements.release(statement) }
                for entry in before.server { core.statements.release(entry.statement) }
            }
        }
        guard !failed, let client else { return }
        if effects.discardAll {
            core.resetSettings(client)
            current = baseline
            appliedSet = nil
            needsPrelude = true
            settingsChanged = false
        }
        if status == Self.idleStatus, !effects.releases.isEmpty, core.unpin(client, effects.releases) {
            stateOwner = nil
        }
    }
}

extension ErrorFields {
    /// PostgreSQL's answer to executing a prepared statement whose result columns changed (DDL).
    var isCachedPlanChange: Bool {
        code == SQLState.featureNotSupported && message.hasPrefix("cached plan must not change result type")
    }

    /// An error that stays until the statement is prepared again: its result columns
    /// changed, or a type it was prepared with was dropped (and perhaps created again).
    var isStalePreparedStatement: Bool {
        isCachedPlanChange
            || (code == SQLState.internalError && message.hasPrefix("cache lookup failed for type"))
    }
}
