/// Why a client in transaction mode was pinned to its server connection: it did something
/// whose effect outlives the transaction, so the connection cannot serve anyone else.
public enum PinReason: String, Sendable, CaseIterable, Hashable {
    /// `SET` (without `LOCAL`) of a setting the pool does not carry between server
    /// connections, `SET ROLE`, `SET SESSION AUTHORIZATION` or session characteristics.
    case setting
    /// `LISTEN`: notifications arrive on that connection only.
    case listen
    /// A session-level advisory lock (`pg_advisory_lock`, `pg_try_advisory_lock`, ...).
    case advisoryLock
    /// `CREATE TEMP TABLE` (or view, sequence) without `ON COMMIT DROP`.
    case temporaryTable
    /// SQL-level `PREPARE` (protocol-level prepared statements are pooled, not pinned).
    case prepare
    /// `DECLARE ... CURSOR WITH HOLD`.
    case holdCursor

    /// What the client did, for the notice and the log.
    var why: String {
        switch self {
        case .setting: return "it changed a setting with SET that the pool does not carry to other server connections"
        case .listen: return "it ran LISTEN, and notifications reach only the server connection that listens"
        case .advisoryLock: return "it took a session-level advisory lock, held by that server connection until released"
        case .temporaryTable: return "it created a temporary object, which lives as long as that server connection's session"
        case .prepare: return "it ran SQL PREPARE, whose statement lives in that server connection's session"
        case .holdCursor: return "it declared a cursor WITH HOLD, which lives in that server connection's session"
        }
    }

    /// The transaction-scoped alternative.
    var hint: String {
        switch self {
        case .setting: return "Use SET LOCAL inside a transaction, or set it for the role or database (ALTER ROLE ... SET)."
        case .listen: return "Listen on a direct database connection (mode direct, or the database URL) instead of through the pool."
        case .advisoryLock: return "Use pg_advisory_xact_lock inside a transaction, or release the lock with pg_advisory_unlock_all()."
        case .temporaryTable: return "Create it inside a transaction with ON COMMIT DROP, or DISCARD TEMP when done."
        case .prepare: return "Use your driver's protocol-level prepared statements (the pool shares them), or DEALLOCATE when done."
        case .holdCursor: return "Use a cursor without HOLD inside a transaction, or CLOSE it when done."
        }
    }
}

/// A set of pin reasons (a bit per reason).
struct PinReasons: OptionSet, Hashable {
    let rawValue: UInt8

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init(_ reason: PinReason) {
        self.rawValue = 1 << UInt8(PinReason.allCases.firstIndex(of: reason)!)
    }

    static let all = PinReasons(rawValue: (1 << UInt8(PinReason.allCases.count)) - 1)
}
