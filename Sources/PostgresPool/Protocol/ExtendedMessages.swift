#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The parts of extended-protocol messages that name statements, read in place.
extension ByteBuffer {
    /// The index of the first zero byte in `start..<end` (absolute indices).
    func indexOfZero(from start: Int, to end: Int) -> Int? {
        guard start < end else { return nil }
        return withUnsafeReadableBytes { bytes in
            let base = bytes.baseAddress! + (start - readerIndex)
            guard let found = memchr(base, 0, end - start) else { return nil }
            return start + (UnsafeRawPointer(found) - base)
        }
    }

    /// The NUL-terminated string at `start` as a slice (without the NUL) and the index
    /// after its NUL, within the message ending at `end`.
    func cStringSlice(at start: Int, end: Int) -> (name: ByteBuffer, next: Int)? {
        guard let zero = indexOfZero(from: start, to: end) else { return nil }
        return (getSlice(at: start, length: zero - start)!, zero + 1)
    }

    /// The statement text of a Query or Parse body starting at `start`, as raw bytes.
    func withSQL<Result>(at start: Int, end: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        guard let zero = indexOfZero(from: start, to: end) else { return nil }
        return withUnsafeReadableBytes { bytes in
            body(UnsafeRawBufferPointer(rebasing: bytes[(start - readerIndex)..<(zero - readerIndex)]))
        }
    }
}

/// Encoders for the extended-protocol messages the pool writes or rewrites.
extension ByteBuffer {
    mutating func writeParse(name: String, definition: ByteBuffer) {
        writeMessage(MessageType.parse) { body in
            body.writeCString(name)
            body.writeImmutableBuffer(definition)
        }
    }

    /// A client's Bind with the statement name replaced: `portal` and `rest` are slices of it.
    mutating func writeBind(portal: ByteBuffer, statement: String, rest: ByteBuffer) {
        writeMessage(MessageType.bind) { body in
            body.writeImmutableBuffer(portal)
            body.writeInteger(UInt8(0))
            body.writeCString(statement)
            body.writeImmutableBuffer(rest)
        }
    }

    /// Describe or Close (`type`) of the statement `name`.
    mutating func writeStatementMessage(_ type: UInt8, name: String) {
        writeMessage(type) { body in
            body.writeInteger(UInt8(ascii: "S"))
            body.writeCString(name)
        }
    }

    mutating func writeCommandComplete(_ tag: String) {
        writeMessage(MessageType.commandComplete) { $0.writeCString(tag) }
    }

    mutating func writeEmptyMessage(_ type: UInt8) {
        writeMessage(type) { _ in }
    }
}
