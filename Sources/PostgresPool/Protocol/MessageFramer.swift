import NIOCore

/// Cuts one connection's byte stream into runs of complete messages inside the
/// connection's own handler (no decoder stage in the pipeline, so no extra hop per read):
/// a read that holds only complete messages is passed on as it is; an incomplete message
/// at its end is kept until the rest arrives.
struct MessageFramer {
    private var buffered: ByteBuffer?
    private var stopped = false

    /// Adds bytes read from the connection.
    mutating func append(_ read: ByteBuffer) {
        guard !stopped else { return }
        guard var earlier = buffered else {
            buffered = read
            return
        }
        buffered = nil  // the only reference left, so the append does not copy the storage
        earlier.writeImmutableBuffer(read)
        buffered = earlier
    }

    /// The run of complete messages at the front, or nil until more bytes arrive.
    /// `measure` says how many bytes at the front form complete messages (0: none yet), or
    /// throws when the stream is malformed.
    mutating func nextRun(_ measure: (ByteBuffer) throws -> Int) rethrows -> ByteBuffer? {
        guard var rest = buffered else { return nil }
        let count = try measure(rest)
        guard count > 0 else { return nil }
        buffered = nil
        let run = rest.readSlice(length: count)!
        if rest.readableBytes > 0 { buffered = rest }
        return run
    }

    /// Bytes read but not yet returned in a run.
    var bufferedBytes: Int { buffered?.readableBytes ?? 0 }

    /// The stream is malformed: what is buffered and whatever arrives later are dropped.
    mutating func stop() {
        stopped = true
        buffered = nil
    }
}
