import NIOCore

/// The messages this client sends, appended to a buffer.
extension ByteBuffer {
    /// A StartupMessage (protocol 3.0) with `parameters` (user, database, ...).
    mutating func writeStartup(_ parameters: [(String, String)]) {
        let start = writerIndex
        writeInteger(Int32(0))
        writeInteger(Int32(196_608))
        for (name, value) in parameters {
            writeNullTerminated(name)
            writeNullTerminated(value)
        }
        writeInteger(UInt8(0))
        setInteger(Int32(writerIndex - start), at: start)
    }

    /// A typed message: the type byte, the length, then what `body` writes.
    mutating func writeMessage(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        let lengthIndex = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - lengthIndex), at: lengthIndex)
    }

    /// A PasswordMessage or SASL response carrying `payload` as it is.
    mutating func writePassword(_ payload: [UInt8]) {
        writeMessage(UInt8(ascii: "p")) { $0.writeBytes(payload) }
    }

    /// A simple Query.
    mutating func writeQuery(_ sql: String) {
        writeMessage(UInt8(ascii: "Q")) { $0.writeNullTerminated(sql) }
    }

    /// One statement through the extended protocol on the unnamed statement
    /// and portal: Parse (types left to the server), Bind (every parameter
    /// and every result column in text format), Describe, Execute (all rows), Sync.
    mutating func writeExtendedQuery(_ sql: String, parameters: [String?]) {
        writeMessage(UInt8(ascii: "P")) { body in
            body.writeNullTerminated("")
            body.writeNullTerminated(sql)
            body.writeInteger(Int16(0))
        }
        writeMessage(UInt8(ascii: "B")) { body in
            body.writeNullTerminated("")
            body.writeNullTerminated("")
            body.writeInteger(Int16(0))  // no format codes: every parameter is text
            body.writeInteger(Int16(truncatingIfNeeded: parameters.count))
            for parameter in parameters {
                if let parameter {
                    body.writeInteger(Int32(parameter.utf8.count))
                    body.writeString(parameter)
                } else {
                    body.writeInteger(Int32(-1))
                }
            }
            body.writeInteger(Int16(0))  // no format codes: every result column is text
        }
        writeMessage(UInt8(ascii: "D")) { body in
            body.writeInteger(UInt8(ascii: "P"))
            body.writeNullTerminated("")
        }
        writeMessage(UInt8(ascii: "E")) { body in
            body.writeNullTerminated("")
            body.writeInteger(Int32(0))
        }
        writeMessage(UInt8(ascii: "S")) { _ in }
    }

    mutating func writeNullTerminated(_ text: String) {
        writeString(text)
        writeInteger(UInt8(0))
    }

    /// Reads a NUL-terminated string.
    mutating func readNullTerminated() -> String? {
        guard let end = readableBytesView.firstIndex(of: 0) else { return nil }
        let text = readString(length: end - readableBytesView.startIndex)
        moveReaderIndex(forwardBy: 1)
        return text
    }
}
