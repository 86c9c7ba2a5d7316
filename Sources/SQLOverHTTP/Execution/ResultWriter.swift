import NIOCore
import PostgresText

/// Writes statement results as Neon's endpoint does:
/// `{"rowAsArray":..,"fields":[..],"rows":[..],"command":..,"rowCount":..}`,
/// stopping with ``ExecutionError/responseTooLarge(limit:)`` once the JSON
/// grows past the limit.
struct ResultWriter {
    var json = JSONWriter(capacity: 1024)
    let options: RequestOptions
    let limit: Int

    /// Writes `result`, its rows as arrays when `arrayMode`.
    mutating func write(_ result: StatementResult, arrayMode: Bool) throws(ExecutionError) {
        json.beginObject()
        json.key("rowAsArray")
        json.bool(arrayMode)
        json.key("fields")
        json.beginArray()
        for field in result.fields {
            json.separator()
            json.beginObject()
            json.key("name"); json.string(field.name)
            json.key("dataTypeID"); json.integer(Int(field.dataTypeID))
            json.key("tableID"); json.integer(Int(field.tableID))
            json.key("columnID"); json.integer(Int(field.columnID))
            json.key("dataTypeSize"); json.integer(Int(field.dataTypeSize))
            json.key("dataTypeModifier"); json.integer(Int(field.dataTypeModifier))
            json.key("format"); json.string("text")
            json.endObject()
        }
        json.endArray()
        json.key("rows")
        json.beginArray()
        for row in result.rows {
            json.separator()
            try write(row: row, fields: result.fields, arrayMode: arrayMode)
            if json.count > limit { throw .responseTooLarge(limit: limit) }
        }
        json.endArray()
        let (command, rowCount) = result.command
        json.key("command"); json.string(command)
        json.key("rowCount")
        if let rowCount { json.integer(rowCount) } else { json.null() }
        json.endObject()
    }

    private mutating func write(row: ByteBuffer, fields: [StatementResult.Field], arrayMode: Bool) throws(ExecutionError) {
        var row = row
        guard let count = row.readInteger(as: Int16.self), Int(count) == fields.count else {
            throw .wire(.protocolViolation("a DataRow that does not match its RowDescription"))
        }
        arrayMode ? json.beginArray() : json.beginObject()
        for field in fields {
            if arrayMode { json.separator() } else { json.key(field.name) }
            guard let length = row.readInteger(as: Int32.self) else { throw .wire(.protocolViolation("a truncated DataRow")) }
            guard length >= 0 else {
                json.null()
                continue
            }
            guard let text = row.readString(length: Int(length)) else { throw .wire(.protocolViolation("a truncated DataRow")) }
            if options.rawTextOutput {
                json.string(text)
            } else {
                TextToJSON.write(text, type: field.dataTypeID, into: &json)
            }
        }
        arrayMode ? json.endArray() : json.endObject()
    }
}
