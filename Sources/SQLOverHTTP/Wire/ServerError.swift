import NIOCore

/// An ErrorResponse from the server, field by field, as Neon's endpoint
/// reports them (`message`, `code`, `detail`, `hint`, `position`, ...).
struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Field name in the JSON error -> value, for the fields the server sent.
    var fields: [String: String]

    /// The JSON name of each ErrorResponse field code, in the order Neon writes them.
    static let names: [(code: UInt8, name: String)] = [
        (UInt8(ascii: "M"), "message"), (UInt8(ascii: "C"), "code"), (UInt8(ascii: "D"), "detail"),
        (UInt8(ascii: "H"), "hint"), (UInt8(ascii: "P"), "position"), (UInt8(ascii: "p"), "internalPosition"),
        (UInt8(ascii: "q"), "internalQuery"), (UInt8(ascii: "V"), "severity"), (UInt8(ascii: "W"), "where"),
        (UInt8(ascii: "t"), "table"), (UInt8(ascii: "c"), "column"), (UInt8(ascii: "s"), "schema"),
        (UInt8(ascii: "d"), "dataType"), (UInt8(ascii: "n"), "constraint"), (UInt8(ascii: "F"), "file"),
        (UInt8(ascii: "L"), "line"), (UInt8(ascii: "R"), "routine"),
    ]

    /// Parses the body of an ErrorResponse.
    init(parsing body: ByteBuffer) {
        var body = body
        var byCode: [UInt8: String] = [:]
        while let code = body.readInteger(as: UInt8.self), code != 0, let value = body.readNullTerminated() {
            byCode[code] = value
        }
        if byCode[UInt8(ascii: "V")] == nil { byCode[UInt8(ascii: "V")] = byCode[UInt8(ascii: "S")] }
        fields = [:]
        for (code, name) in Self.names {
            if let value = byCode[code] { fields[name] = value }
        }
    }

    init(code: String, message: String) {
        fields = ["code": code, "message": message, "severity": "ERROR"]
    }

    var code: String? { fields["code"] }
    var message: String { fields["message"] ?? "the database reported an error without a message" }

    var description: String { "\(message) (SQLSTATE \(code ?? "?"))" }
}
