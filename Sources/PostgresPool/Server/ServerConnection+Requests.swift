import NIOCore

/// A group of client messages that may be replayed once after `cached plan must not change
/// result type`: Bind of a pool-managed statement, Describe of the portal, Execute, Sync
/// (libpq's prepared execution), first in its group, so the client learns the new columns.
struct RetryCandidate {
    let start: Int
    let generation: Int
    /// Bind seen (0), then Describe portal (1), then Execute (2).
    var step = 0
}

extension ServerConnection {
    /// Relays a run of client messages: named statements get their pool-wide server names
    /// (prepared first where this connection lacks them), what the pool answers itself is
    /// queued in order, and what would outlive the transaction pins the client. Returns
    /// false when the run held a Terminate (nothing from it on is relayed).
    func relayFromClient(_ batch: ByteBuffer, client: ClientSession, replaying: Bool = false) -> Bool {
        guard let context else { return false }
        if needsPrelude {
            needsPrelude = false
            if appliedSet !== client.parameters, let parameters = client.parameters {
                writePrelude(for: parameters, context: context)
            }
        }
        let pooled = core.configuration.mode == .transaction
        var writer = BatchWriter(batch)
        var terminated = false
        var end = batch.readerIndex
        var retry: RetryCandidate?
        batch.forEachMessage { type, offset, size in
            let messageEnd = offset + size
            switch type {
            case MessageType.query:
                core.stats.queries &+= 1
                retry = nil
                if !skippingUntilSync { relayQuery(batch, offset, messageEnd, client, pooled, &writer) }
            case MessageType.bind:
                let groupStart = !unsyncedExtended
                unsyncedExtended = true
                retry = nil
                guard !skippingUntilSync else { break }
                if pooled, let statement = relayNamedBind(batch, offset, messageEnd, client, &writer) {
                    var generation = 0
                    if groupStart && !replaying {
                        lastRetryGeneration &+= 1
                        generation = lastRetryGeneration
                        retry = RetryCandidate(start: offset, generation: generation)
                    }
                    replies.append(PendingReply(MessageType.bind, .bind(statement, retry: generation)))
                } else {
                    replies.append(PendingReply(MessageType.bind))
                }
            case MessageType.execute:
                unsyncedExtended = true
                core.stats.queries &+= 1
                if let candidate = retry, candidate.step == 1 { retry!.step = 2 } else { retry = nil }
                if !skippingUntilSync { replies.append(PendingReply(MessageType.execute)) }
            case MessageType.sync:
                unsyncedExtended = false
                defer { retry = nil }
                guard !copyIn else { break }  // ignored by the server during COPY FROM STDIN
                var entry = PendingReply(MessageType.sync, effects: pendingEffects)
                pendingEffects = nil
                if skippingUntilSync {
                    skippingUntilSync = false
                    entry.failed = true
                }
                replies.append(entry)
                if let candidate = retry, candidate.step == 2 { keepForRetry(batch, candidate, upTo: messageEnd) }
                if !restoreSettings.isEmpty { appendRestore(at: messageEnd, &writer) }
                if captureSettings { appendCapture(at: messageEnd, &writer) }
            case MessageType.parse:
                unsyncedExtended = true
                retry = nil
                guard !skippingUntilSync else { break }
                relayParse(batch, offset, messageEnd, client, pooled, &writer)
            case MessageType.describe:
                unsyncedExtended = true
                let portal = batch.getInteger(at: offset + 5, as: UInt8.self) == UInt8(ascii: "P")
                if portal, let candidate = retry, candidate.step == 0 { retry!.step = 1 } else { retry = nil }
                guard !skippingUntilSync else { break }
                if pooled, !portal, let statement = relayNamedDescribe(batch, offset, messageEnd, client, &writer) {
                    replies.append(PendingReply(MessageType.describe, .describe(statement)))
                } else {
                    replies.append(PendingReply(MessageType.describe))
                }
            case MessageType.close:
                unsyncedExtended = true
                retry = nil
                guard !skippingUntilSync else { break }
                if !(pooled && closeLocally(batch, offset, messageEnd, client, &writer)) {
                    replies.append(PendingReply(MessageType.close))
                }
            case MessageType.flush:
                unsyncedExtended = true
                retry = nil
            case MessageType.functionCall:
                retry = nil
                if !skippingUntilSync { replies.append(PendingReply(MessageType.functionCall)) }
            case MessageType.copyDone, MessageType.copyFail:
                copyIn = false
            case MessageType.terminate:
                terminated = true
                return false
            default:
                break
            }
            end = messageEnd
            return true
        }
        if let buffer = writer.finish(upTo: end) {
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        return !terminated
    }

    /// After a run of client input: sends what the pool answered itself, and gives the
    /// connection back if that answer ended the transaction.
    func clientInputDone() {
        guard wroteLocally, case .client(let client) = owner else { return }
        wroteLocally = false
        client.flush()
        if answeredLocally {
            answeredLocally = false
            if canEndLink { endLink(client) }
        }
    }

    // MARK: Simple query

    private func relayQuery(
        _ batch: ByteBuffer, _ offset: Int, _ end: Int, _ client: ClientSession, _ pooled: Bool, _ writer: inout BatchWriter
    ) {
        var entry = PendingReply(MessageType.query)
        if pooled {
            let effects = batch.withSQL(at: offset + 5, end: end) { SessionEffect.each(in: $0) } ?? []
            if effects.count == 1, case .deallocate(let name) = effects[0],
               let index = client.statements.index(forKey: ByteBuffer(string: name)) {
                // A statement the pool manages: the server knows it by another name, and keeps it.
                let (key, statement) = client.statements.remove(at: index)
                let dropped = writer.changes(at: offset)
                writer.commit(dropped, skipping: end)
                queueLocal(.localDeallocate(name: key, statement), for: client)
                return
            }
            for effect in effects { note(effect, client, into: &entry.effects) }
        }
        replies.append(entry)
        if !restoreSettings.isEmpty { appendRestore(at: end, &writer) }
        if captureSettings { appendCapture(at: end, &writer) }
    }

    // MARK: Extended protocol

    private func relayParse(
        _ batch: ByteBuffer, _ offset: Int, _ end: Int, _ client: ClientSession, _ pooled: Bool, _ writer: inout BatchWriter
    ) {
        guard pooled, let (name, next) = batch.cStringSlice(at: offset + 5, end: end) else {
            return replies.append(PendingReply(MessageType.parse))
        }
        guard name.readableBytes > 0 else {
            // The unnamed statement lives until the next Parse: passed through untouched.
            let effect = batch.withSQL(at: next, end: end) { SessionEffect.of($0) } ?? .none
            if effect != .none { note(effect, client, into: &pendingEffects) }
            return replies.append(PendingReply(MessageType.parse))
        }
        core.statements.clientParses += 1
        let definition = batch.getSlice(at: next, length: end - next)!
        var out = writer.changes(at: offset)
        defer { writer.commit(out, skipping: end) }
        if let existing = client.statements[name] {
            // PostgreSQL refuses a name in use: the server says so, under the statement's own name.
            ensurePrepared(existing, &out)
            out.writeParse(name: PreparedStatement.serverName(existing.serverID), definition: definition)
            core.statements.serverParses += 1
            return replies.append(PendingReply(MessageType.parse, .duplicateParse(
                name: String(buffer: name), key: ByteBuffer(bytes: name.readableBytesView),
                definition: ByteBuffer(bytes: definition.readableBytesView),
                serverName: PreparedStatement.serverName(existing.serverID))))
        }
        let statement = core.statements.retain(definition: definition)
        let key = ByteBuffer(bytes: name.readableBytesView)
        client.statements[key] = statement
        if case .pin(let reason) = statement.effect { pin(client, reason) }
        if statementCache.use(statement) {
            queueLocal(.localParseComplete(name: key, statement), for: client)
        } else {
            writePrepare(statement, &out, action: .parse(name: key, statement, id: statement.serverID))
        }
    }

    /// A Bind of a statement the client prepared: rewritten to its server name. Nil when
    /// the statement is unnamed or not the pool's (relayed untouched).
    private func relayNamedBind(
        _ batch: ByteBuffer, _ offset: Int, _ end: Int, _ client: ClientSession, _ writer: inout BatchWriter
    ) -> PreparedStatement? {
        guard let (portal, next) = batch.cStringSlice(at: offset + 5, end: end),
              let (name, rest) = batch.cStringSlice(at: next, end: end), name.readableBytes > 0,
              let statement = client.statements[name]
        else { return nil }
        var out = writer.changes(at: offset)
        ensurePrepared(statement, &out)
        out.writeBind(
            portal: portal, statement: PreparedStatement.serverName(statement.serverID),
            rest: batch.getSlice(at: rest, length: end - rest)!)
        writer.commit(out, skipping: end)
        if statement.effect != .none { note(statement.effect, client, into: &pendingEffects) }
        return statement
    }

    private func relayNamedDescribe(
        _ batch: ByteBuffer, _ offset: Int, _ end: Int, _ client: ClientSession, _ writer: inout BatchWriter
    ) -> PreparedStatement? {
        guard let (name, _) = batch.cStringSlice(at: offset + 6, end: end), name.readableBytes > 0,
              let statement = client.statements[name]
        else { return nil }
        var out = writer.changes(at: offset)
        ensurePrepared(statement, &out)
        out.writeStatementMessage(MessageType.describe, name: PreparedStatement.serverName(statement.serverID))
        writer.commit(out, skipping: end)
        return statement
    }

    /// A client's Close of a statement the pool manages: answered by the pool in order; the
    /// server keeps its copy for others.
    private func closeLocally(
        _ batch: ByteBuffer, _ offset: Int, _ end: Int, _ client: ClientSession, _ writer: inout BatchWriter
    ) -> Bool {
        guard batch.getInteger(at: offset + 5, as: UInt8.self) == UInt8(ascii: "S"),
              let (name, _) = batch.cStringSlice(at: offset + 6, end: end),
              let index = client.statements.index(forKey: name)
        else { return false }
        let (key, statement) = client.statements.remove(at: index)
        let dropped = writer.changes(at: offset)
        writer.commit(dropped, skipping: end)
        queueLocal(.localCloseComplete(name: key, statement), for: client)
        return true
    }

    /// Prepares `statement` on this connection first if it lacks it.
    private func ensurePrepared(_ statement: PreparedStatement, _ out: inout ByteBuffer) {
        guard !statementCache.use(statement) else { return }
        writePrepare(statement, &out, action: .prepare(statement, id: statement.serverID))
    }

    /// Writes the Parse that prepares `statement` under its server name, after the Closes
    /// that keep the cache within `maxPreparedStatements`.
    func writePrepare(_ statement: PreparedStatement, _ out: inout ByteBuffer, action: ReplyAction) {
        core.statements.retain(statement)
        for evicted in statementCache.insert(statement) {
            out.writeStatementMessage(MessageType.close, name: PreparedStatement.serverName(evicted.id))
            replies.append(PendingReply(MessageType.close, .evict(evicted)))
            core.statements.evictions += 1
            core.statements.release(evicted.statement)
        }
        out.writeParse(name: PreparedStatement.serverName(statement.serverID), definition: statement.definition)
        replies.append(PendingReply(MessageType.parse, action))
        core.statements.serverParses += 1
    }

    private func keepForRetry(_ batch: ByteBuffer, _ candidate: RetryCandidate, upTo end: Int) {
        var copy = retryCopy ?? ByteBufferAllocator().buffer(capacity: end - candidate.start)
        retryCopy = nil
        copy.clear()
        copy.writeImmutableBuffer(batch.getSlice(at: candidate.start, length: end - candidate.start)!)
        retryCopy = copy
        retryGeneration = candidate.generation
    }

    // MARK: Session state

    /// Acts on what a statement does to the session: pins, or records what its group
    /// changes once it succeeds.
    private func note(_ effect: SessionEffect, _ client: ClientSession, into effects: inout GroupEffects?) {
        switch effect {
        case .none, .deallocate:
            break
        case .pin(let reason):
            pin(client, reason)
        case .release(let reasons):
            group(&effects).releases.formUnion(reasons)
        case .trackedSetting:
            captureSettings = true
        case .reset(let name):
            if name.map({ SessionParameters.unreportedTracked.contains($0) }) ?? true { captureSettings = true }
            for (setting, value) in client.startupSettings where name == nil || name == setting {
                restoreSettings[setting] = value
            }
        case .deallocateAll:
            forgetStatements(client, into: group(&effects))
            group(&effects).releases.insert(PinReasons(.prepare))
        case .discardAll:
            forgetStatements(client, into: group(&effects))
            group(&effects).discardAll = true
            group(&effects).releases = .all
        }
    }

    private func group(_ effects: inout GroupEffects?) -> GroupEffects {
        if let effects { return effects }
        let created = GroupEffects()
        effects = created
        return created
    }

    /// `DEALLOCATE ALL`/`DISCARD ALL` on its way: the client's names and this server's
    /// statements are gone for what follows (they come back if it fails).
    private func forgetStatements(_ client: ClientSession, into effects: GroupEffects) {
        // Other server connections' copies may be as stale as this one's (psycopg sends
        // DEALLOCATE ALL after its own DDL): the client's statements get new server names.
        for statement in client.statements.values { core.statements.invalidate(statement, counted: false) }
        let server = statementCache.removeAll()
        if effects.statementsBefore == nil {
            effects.statementsBefore = (client.statements, server)
        } else {
            for statement in client.statements.values { core.statements.release(statement) }
            for entry in server { core.statements.release(entry.statement) }
        }
        client.statements.removeAll()
    }

    /// Pins the client to this connection (once per reason), telling it and the log why.
    private func pin(_ client: ClientSession, _ reason: PinReason) {
        guard core.pin(client, reason, serverID: id) else { return }
        stateOwner = client
        queueLocal(.notice(ErrorFields(
            severity: "WARNING", code: SQLState.warning,
            message: "the pool pinned this client to one server connection: \(reason.why); the connection serves no other client until this one disconnects",
            hint: reason.hint)), for: client)
    }

    /// Puts the settings the client reset in the group that ends at `offset` back to its
    /// startup values (PostgreSQL's RESET goes to the values a session started with).
    private func appendRestore(at offset: Int, _ writer: inout BatchWriter) {
        let settings = restoreSettings.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        restoreSettings = [:]
        var out = writer.changes(at: offset)
        out.writeQuery(SessionParameters.restoreStatement(settings))
        writer.commit(out, skipping: offset)
        replies.append(PendingReply(MessageType.query, .restore))
    }

    /// Reads the unreported tracked settings back after the group that ends at `offset`.
    private func appendCapture(at offset: Int, _ writer: inout BatchWriter) {
        var out = writer.changes(at: offset)
        out.writeQuery(SessionParameters.captureQuery)
        writer.commit(out, skipping: offset)
        replies.append(PendingReply(MessageType.query, .capture))
    }

    /// Sends the statements that make this connection's settings the client's.
    private func writePrelude(for parameters: SessionParameters, context: ChannelHandlerContext) {
        var changes: [(String, String?)] = []
        for (name, value) in parameters.values where current[name] != value {
            changes.append((name, value))
        }
        for (name, value) in current where parameters.values[name] == nil && baseline[name] != value {
            changes.append((name, nil))
        }
        appliedSet = parameters
        guard !changes.isEmpty else { return }
        core.stats.settingsApplied += changes.count
        var buffer = context.channel.allocator.buffer(capacity: 80 * changes.count)
        for (name, value) in changes {
            buffer.writeQuery(SessionParameters.setStatement(name, value))
            replies.append(PendingReply(MessageType.query, .prelude(name: name, value: value)))
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: The pool's own answers

    /// Queues an answer the pool gives the client itself: sent at once if nothing is owed
    /// before it, else right after the replies before it.
    func queueLocal(_ action: ReplyAction, for client: ClientSession) {
        guard replies.isEmpty else {
            return replies.append(PendingReply(PendingReply.local, action))
        }
        emitLocal(action, to: client)
        wroteLocally = true
    }

    func emitLocal(_ action: ReplyAction, to client: ClientSession) {
        var buffer = ByteBufferAllocator().buffer(capacity: 32)
        switch action {
        case .localParseComplete:
            buffer.writeEmptyMessage(MessageType.parseComplete)
        case .localCloseComplete(_, let statement):
            buffer.writeEmptyMessage(MessageType.closeComplete)
            core.statements.release(statement)
        case .localDeallocate(let name, let statement):
            if transactionStatus == UInt8(ascii: "E") {
                buffer.writeErrorResponse(ErrorFields(
                    severity: "ERROR", code: SQLState.inFailedTransaction,
                    message: "current transaction is aborted, commands ignored until end of transaction block"))
                restore(name, statement, in: client)
            } else {
                buffer.writeCommandComplete("DEALLOCATE")
                core.statements.release(statement)
            }
            buffer.writeReadyForQuery(transactionStatus)
            answeredLocally = true
        case .notice(let fields):
            buffer.writeErrorResponse(fields, notice: true)
        default:
            return
        }
        client.write(buffer)
    }

    /// Gives a client its name for a statement back (its Close or DEALLOCATE did not happen).
    func restore(_ name: ByteBuffer, _ statement: PreparedStatement, in client: ClientSession?) {
        if let client, client.statements[name] == nil {
            client.statements[name] = statement
        } else {
            core.statements.release(statement)
        }
    }

    /// The client is gone: the answers the pool still owed it are dropped.
    func dropLocalReplies() {
        replies.removeAll { reply in
            switch reply.action {
            case .localCloseComplete(_, let statement), .localDeallocate(_, let statement):
                core.statements.release(statement)
                return true
            case .localParseComplete, .notice:
                return true
            default:
                return false
            }
        }
    }
}
