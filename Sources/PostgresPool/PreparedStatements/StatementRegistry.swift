import NIOCore

/// The pool's distinct prepared statements, keyed by definition, and their counters.
/// Event-loop confined, like the rest of the pool.
final class StatementRegistry {
    private var statements: [ByteBuffer: PreparedStatement] = [:]
    private var lastID = 0
    /// Counts DDL seen through the pool: a statement prepared before the last one is not
    /// shared with new Parses of its text (its copies may be stale).
    private(set) var schemaEpoch = 0
    /// Named Parse messages from clients.
    var clientParses = 0
    /// Parse messages sent to server connections (the clients' own or the pool's).
    var serverParses = 0
    /// Statements closed on a server connection to keep its cache within bounds.
    var evictions = 0
    /// Statements re-prepared under a new name after `cached plan must not change result type`.
    var invalidations = 0
    /// Executions retried transparently after that error.
    var retries = 0

    /// Distinct statements known now.
    var count: Int { statements.count }

    /// The statement with this definition (a slice of a client's Parse), created if new,
    /// or if the known one predates DDL seen since (its holders keep it: their clients were
    /// told its columns), with one more reference.
    func retain(definition: ByteBuffer) -> PreparedStatement {
        let statement: PreparedStatement
        if let known = statements[definition], known.epoch == schemaEpoch {
            statement = known
        } else {
            // A copy: the slice points into the client's read buffer.
            let copy = ByteBuffer(bytes: definition.readableBytesView)
            let effect = copy.withUnsafeReadableBytes { bytes in
                SessionEffect.of(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: 0) ?? bytes.count)]))
            }
            statement = PreparedStatement(definition: copy, effect: effect, serverID: nextID(), epoch: schemaEpoch)
            statements[copy] = statement
        }
        statement.references += 1
        return statement
    }

    /// One more reference to a known statement.
    func retain(_ statement: PreparedStatement) {
        statement.references += 1
    }

    /// One reference fewer; the statement is forgotten when none is left.
    func release(_ statement: PreparedStatement) {
        statement.references -= 1
        if statement.references == 0, statements[statement.definition] === statement {
            statements[statement.definition] = nil
        }
    }

    /// `cached plan must not change result type` (or a type it used is gone): every server
    /// copy is stale. `counted`: it is an invalidation of that kind (not a client's
    /// `DEALLOCATE ALL`).
    func invalidate(_ statement: PreparedStatement, counted: Bool = true) {
        if counted { invalidations += 1 }
        statement.renumber(nextID(), epoch: schemaEpoch)
    }

    /// DDL ran through the pool (a `CREATE`, `DROP` or `ALTER` command tag): later Parses
    /// of known texts get statements of their own, prepared after it (as psycopg forgets
    /// its own statements after DDL).
    func schemaChanged() {
        schemaEpoch += 1
    }

    private func nextID() -> Int {
        lastID += 1
        return lastID
    }
}
