import NIOCore

/// What the database owes for one message sent to it (or what the pool owes the client in
/// its place), in the order sent. Replies are matched to these to know which to relay,
/// which to swallow, and where the pool's own answers go.
struct PendingReply {
    /// The frontend message type the reply answers: Parse, Bind, Describe, Execute, Close,
    /// Sync, Query or FunctionCall.
    let request: UInt8
    var action: ReplyAction
    /// For Sync and Query: what the group of messages it ends does once it succeeds.
    var effects: GroupEffects?
    /// For Sync and Query: an error ended the group.
    var failed = false

    /// The request byte of the pool's own answers (no message went to the database).
    static let local: UInt8 = 0

    init(_ request: UInt8, _ action: ReplyAction = .relay, effects: GroupEffects? = nil) {
        self.request = request
        self.action = action
        self.effects = effects
    }

    /// Whether a ReadyForQuery ends this one.
    var endsGroup: Bool {
        request == MessageType.sync || request == MessageType.query || request == MessageType.functionCall
    }
}

/// How the replies to one message are handled.
enum ReplyAction {
    /// The client's message: relay the replies.
    case relay
    /// The client's Parse, sent under the statement's server-side name (creating the
    /// client's `name` for it): relay the ParseComplete.
    case parse(name: ByteBuffer, PreparedStatement, id: Int)
    /// The client's Parse of a name it already has, sent under a server-side name the
    /// server has, so the server itself reports the error (with the client's name put back).
    /// If it succeeds, the earlier Parse of the name failed in the meantime: the name is the
    /// new `definition`'s, and `serverName` on the server is a stray to deallocate.
    case duplicateParse(name: String, key: ByteBuffer, definition: ByteBuffer, serverName: String)
    /// The client's Bind of a pool-managed statement. `retry` names the copy of the
    /// client's messages that may be replayed once after `cached plan must not change result type`.
    case bind(PreparedStatement, retry: Int)
    /// The client's Describe of a pool-managed statement.
    case describe(PreparedStatement)
    /// The pool's own Parse (the server lacked the statement): swallow the ParseComplete.
    case prepare(PreparedStatement, id: Int)
    /// The pool's own Close of a cached copy: swallow the CloseComplete.
    case evict(ServerStatementCache.Entry)
    /// The startup-parameter step: swallow the results; an error becomes a warning.
    case prelude(name: String, value: String?)
    /// The pool reads back unreported tracked settings: swallow the results, keep the rows.
    case capture
    /// The pool puts settings the client reset back to its startup values: swallow the
    /// results, relay the ParameterStatus messages.
    case restore
    /// The pool's own statements on an idle or draining connection.
    case `internal`

    // Answers the pool gives the client itself, once every earlier reply is relayed:

    /// ParseComplete: the server already has the statement the client's `name` now refers to.
    case localParseComplete(name: ByteBuffer, PreparedStatement)
    /// CloseComplete for the client's Close of `name` (the server keeps its copy).
    case localCloseComplete(name: ByteBuffer, PreparedStatement)
    /// CommandComplete `DEALLOCATE` and ReadyForQuery for the client's `DEALLOCATE name`.
    case localDeallocate(name: ByteBuffer, PreparedStatement)
    /// A notice (why the client was pinned).
    case notice(ErrorFields)

    /// Whether the database sends nothing for it: the pool answers.
    var isLocal: Bool {
        switch self {
        case .localParseComplete, .localCloseComplete, .localDeallocate, .notice: return true
        default: return false
        }
    }

    /// Whether the client sees the database's replies to it.
    var isRelayed: Bool {
        switch self {
        case .relay, .parse, .duplicateParse, .bind, .describe: return true
        default: return false
        }
    }
}

/// What a group of messages (up to a Sync, or one Query) changes once it succeeds.
final class GroupEffects {
    /// Pin reasons whose state the group cleared (applied only outside a transaction).
    var releases = PinReasons()
    /// `DISCARD ALL`: the client's settings go back to its startup ones.
    var discardAll = false
    /// `DEALLOCATE ALL`/`DISCARD ALL` emptied the client's names and the server's cache
    /// when sent; if the group fails they come back.
    var statementsBefore: (client: [ByteBuffer: PreparedStatement], server: [ServerStatementCache.Entry])?
}
