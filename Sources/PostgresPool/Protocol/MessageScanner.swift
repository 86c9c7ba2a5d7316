import NIOCore

/// Finds the run of complete typed messages (type byte, Int32 length, body) at the
/// front of a buffer, without copying anything, so they can be relayed as one slice.
enum MessageScanner {
    /// The largest message accepted (PostgreSQL's own cap for Bind and CopyData is 1 GB).
    static let maxMessageLength = 1 << 30

    /// The length limits the scanner applies.
    enum Limit {
        /// One cap for every message type.
        case uniform(Int)
        /// ``maxMessageLength`` for the types in `large`, `other` for the rest.
        case byType(large: Set<UInt8>, other: Int)

        func maximum(for type: UInt8) -> Int {
            switch self {
            case .uniform(let cap): return cap
            case .byType(let large, let other): return large.contains(type) ? MessageScanner.maxMessageLength : other
            }
        }
    }

    /// Returns how many bytes from the reader index form complete messages.
    /// Throws when the first message is malformed; stops before a later malformed one,
    /// so that the messages before it are still delivered.
    static func completeBytes(
        in buffer: ByteBuffer,
        isValidType: (UInt8) -> Bool,
        limit: Limit = .uniform(maxMessageLength),
        side: String
    ) throws -> Int {
        let start = buffer.readerIndex
        let end = buffer.writerIndex
        var offset = start
        while end - offset >= 5 {
            let type = buffer.getInteger(at: offset, as: UInt8.self)!
            let length = Int(buffer.getInteger(at: offset + 1, as: Int32.self)!)
            guard isValidType(type) else {
                if offset > start { break }
                throw ProtocolViolation(message: "invalid \(side) message type \(describe(type))")
            }
            let maximum = limit.maximum(for: type)
            guard length >= 4, length <= maximum else {
                if offset > start { break }
                throw ProtocolViolation(
                    message: "invalid \(side) message length \(length) for message type \(describe(type)) (allowed: 4 to \(maximum))"
                )
            }
            guard end - offset > length else { break }
            offset += 1 + length
        }
        return offset - start
    }

    /// `completeBytes` for what the database sends (any type, up to ``maxMessageLength``).
    static func backendBytes(in buffer: ByteBuffer) throws -> Int {
        try completeBytes(in: buffer, isValidType: { _ in true }, side: "backend")
    }

    static func describe(_ type: UInt8) -> String {
        if type >= 0x21, type < 0x7f {
            return "'\(Character(UnicodeScalar(type)))' (0x\(String(type, radix: 16)))"
        }
        return "0x\(String(type, radix: 16))"
    }
}
