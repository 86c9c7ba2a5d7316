import NIOCore

/// Writes a run of client messages to the database: the run itself, untouched, unless
/// some messages are replaced, dropped or preceded by the pool's own; then a copy with
/// those changes (made only from the first change on).
struct BatchWriter {
    private let batch: ByteBuffer
    private var copy: ByteBuffer?
    /// The first byte of `batch` not yet copied or dropped.
    private var position: Int

    init(_ batch: ByteBuffer) {
        self.batch = batch
        self.position = batch.readerIndex
    }

    /// The buffer to write changes to, after the untouched bytes up to `offset`.
    mutating func changes(at offset: Int) -> ByteBuffer {
        var buffer = copy ?? ByteBufferAllocator().buffer(capacity: batch.readableBytes + 256)
        if offset > position {
            buffer.writeImmutableBuffer(batch.getSlice(at: position, length: offset - position)!)
            position = offset
        }
        copy = nil
        return buffer
    }

    /// Takes back the buffer from `changes(at:)`; the original bytes up to `skipping` are dropped.
    mutating func commit(_ buffer: ByteBuffer, skipping end: Int) {
        copy = buffer
        position = max(position, end)
    }

    /// What to write for the run up to `end` (where a Terminate stopped it).
    mutating func finish(upTo end: Int) -> ByteBuffer? {
        guard var buffer = copy else {
            if position == batch.readerIndex, end == batch.writerIndex { return batch }
            return end > position ? batch.getSlice(at: position, length: end - position) : nil
        }
        if end > position { buffer.writeImmutableBuffer(batch.getSlice(at: position, length: end - position)!) }
        return buffer
    }
}
