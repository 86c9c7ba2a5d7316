import NIOCore

/// The fields of an ErrorResponse or NoticeResponse, as the pool reports or relays them.
struct ErrorFields: Sendable, Equatable, Error, CustomStringConvertible {
    var severity: String
    var code: String
    var message: String
    var detail: String?
    var hint: String?

    init(severity: String = "FATAL", code: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// Parses the body of an ErrorResponse/NoticeResponse (everything after the length).
    init(parsing body: ByteBuffer) {
        var body = body
        var severity = "ERROR", code = SQLState.internalError, message = "", detail: String?, hint: String?
        while let field = body.readInteger(as: UInt8.self), field != 0 {
            guard let value = body.readNullTerminatedString() else { break }
            switch field {
            case UInt8(ascii: "S"): severity = value
            case UInt8(ascii: "C"): code = value
            case UInt8(ascii: "M"): message = value
            case UInt8(ascii: "D"): detail = value
            case UInt8(ascii: "H"): hint = value
            default: break
            }
        }
        self.init(severity: severity, code: code, message: message, detail: detail, hint: hint)
    }

    var description: String { "\(severity) \(code): \(message)" }
}
