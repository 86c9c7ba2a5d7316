/// Bytes that do not follow the PostgreSQL v3 protocol. The pool answers with an
/// ErrorResponse (SQLSTATE 08P01 unless stated) and closes the connection.
struct ProtocolViolation: Error, CustomStringConvertible {
    var message: String
    var code: String = SQLState.protocolViolation

    var description: String { message }

    var errorFields: ErrorFields { ErrorFields(code: code, message: message) }
}
