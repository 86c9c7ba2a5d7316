import NIOCore

/// The answer to one statement: its columns, its rows (as the `DataRow`
/// bodies the pool sent, every value in text format) and its command tag.
struct StatementResult: Sendable {
    /// One column of the result, as `RowDescription` describes it.
    struct Field: Sendable {
        var name: String
        var tableID: UInt32
        var columnID: Int16
        var dataTypeID: UInt32
        var dataTypeSize: Int16
        var dataTypeModifier: Int32
    }

    var fields: [Field] = []
    var rows: [ByteBuffer] = []
    /// `SELECT 3`, `INSERT 0 1`, `CREATE TABLE`; empty for an empty query.
    var commandTag = ""

    /// Reads the answer to one Parse/Bind/Describe/Execute/Sync.
    /// - Throws: ``ExecutionError`` for the statement's error, rows over the
    ///   budget, or a connection that closed before the answer was complete.
    init(_ reply: WireReply, limit: Int) throws(ExecutionError) {
        if let error = reply.error { throw .server(error) }
        if reply.closed { throw .wire(.connectionLost) }
        if reply.overflowed { throw .responseTooLarge(limit: limit) }
        for message in reply.messages {
            switch message.type {
            case BackendMessage.rowDescription:
                fields = try Self.fields(message.body)
            case BackendMessage.dataRow:
                rows.append(message.body)
            case BackendMessage.commandComplete:
                var body = message.body
                commandTag = body.readNullTerminated() ?? ""
            default:
                continue
            }
        }
    }

    private static func fields(_ body: ByteBuffer) throws(ExecutionError) -> [Field] {
        var body = body
        guard let count = body.readInteger(as: Int16.self) else { throw .wire(.protocolViolation("an empty RowDescription")) }
        var fields: [Field] = []
        for _ in 0..<max(Int(count), 0) {
            guard let name = body.readNullTerminated(),
                  let (table, column, type, size, modifier, _) = body.readMultipleIntegers(
                    as: (UInt32, Int16, UInt32, Int16, Int32, Int16).self)
            else { throw .wire(.protocolViolation("a truncated RowDescription")) }
            fields.append(Field(
                name: name, tableID: table, columnID: column, dataTypeID: type, dataTypeSize: size,
                dataTypeModifier: modifier))
        }
        return fields
    }

    /// The command and the number of rows it affected, split as Neon's
    /// endpoint does: `INSERT 0 5` is (`INSERT`, 5), `CREATE TABLE` is (`CREATE`, nil).
    var command: (name: String, rowCount: Int?) {
        guard let space = commandTag.firstIndex(of: " ") else { return (commandTag, nil) }
        let name = String(commandTag[..<space])
        var rest = commandTag[commandTag.index(after: space)...]
        if name == "INSERT" {
            guard let second = rest.firstIndex(of: " ") else { return (name, nil) }
            rest = rest[rest.index(after: second)...]
        }
        return (name, Int(rest))
    }
}
