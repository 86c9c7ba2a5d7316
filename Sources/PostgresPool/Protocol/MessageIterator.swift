import NIOCore

extension ByteBuffer {
    /// Calls `body` with the type, start offset and total size (type byte included) of each
    /// complete message in a run cut by `MessageFramer`. Stops early
    /// when `body` returns false.
    @inline(__always)
    func forEachMessage(_ body: (_ type: UInt8, _ offset: Int, _ size: Int) -> Bool) {
        var offset = readerIndex
        let end = writerIndex
        while end - offset >= 5 {
            let type = getInteger(at: offset, as: UInt8.self)!
            let size = Int(getInteger(at: offset + 1, as: Int32.self)!) + 1
            guard body(type, offset, size) else { return }
            offset += size
        }
    }

    /// The body of the message at `offset` (after type and length).
    func messageBody(at offset: Int, size: Int) -> ByteBuffer {
        getSlice(at: offset + 5, length: size - 5)!
    }
}
