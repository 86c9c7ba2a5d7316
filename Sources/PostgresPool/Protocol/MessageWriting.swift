import NIOCore

/// Encoders for the few messages the pool writes itself; everything else is relayed as received.
extension ByteBuffer {
    /// Writes one typed message: its type byte, a length placeholder, the body, then the length.
    mutating func writeMessage(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        let lengthIndex = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - lengthIndex), at: lengthIndex)
    }

    mutating func writeCString(_ string: String) {
        writeString(string)
        writeInteger(UInt8(0))
    }

    mutating func writeErrorResponse(_ error: ErrorFields, notice: Bool = false) {
        writeMessage(notice ? MessageType.noticeResponse : MessageType.errorResponse) { body in
            body.writeInteger(UInt8(ascii: "S")); body.writeCString(error.severity)
            body.writeInteger(UInt8(ascii: "V")); body.writeCString(error.severity)
            body.writeInteger(UInt8(ascii: "C")); body.writeCString(error.code)
            body.writeInteger(UInt8(ascii: "M")); body.writeCString(error.message)
            if let detail = error.detail { body.writeInteger(UInt8(ascii: "D")); body.writeCString(detail) }
            if let hint = error.hint { body.writeInteger(UInt8(ascii: "H")); body.writeCString(hint) }
            body.writeInteger(UInt8(0))
        }
    }

    mutating func writeAuthentication(_ code: Int32, _ extra: (inout ByteBuffer) -> Void = { _ in }) {
        writeMessage(MessageType.authentication) { body in
            body.writeInteger(code)
            extra(&body)
        }
    }

    mutating func writeParameterStatus(_ name: String, _ value: String) {
        writeMessage(MessageType.parameterStatus) { body in
            body.writeCString(name)
            body.writeCString(value)
        }
    }

    mutating func writeBackendKeyData(processID: Int32, secretKey: Int32) {
        writeMessage(MessageType.backendKeyData) { body in
            body.writeInteger(processID)
            body.writeInteger(secretKey)
        }
    }

    mutating func writeReadyForQuery(_ status: UInt8) {
        writeMessage(MessageType.readyForQuery) { $0.writeInteger(status) }
    }

    mutating func writeQuery(_ sql: String) {
        writeMessage(MessageType.query) { $0.writeCString(sql) }
    }

    mutating func writeSync() {
        writeMessage(MessageType.sync) { _ in }
    }

    mutating func writeTerminate() {
        writeMessage(MessageType.terminate) { _ in }
    }

    /// An untyped startup-phase packet: length, then the body.
    mutating func writeStartupPacket(_ body: (inout ByteBuffer) -> Void) {
        let lengthIndex = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - lengthIndex), at: lengthIndex)
    }
}

/// Authentication request codes (the Int32 after an `R`).
enum AuthenticationCode {
    static let ok: Int32 = 0
    static let cleartextPassword: Int32 = 3
    static let md5Password: Int32 = 5
    static let sasl: Int32 = 10
    static let saslContinue: Int32 = 11
    static let saslFinal: Int32 = 12
}
