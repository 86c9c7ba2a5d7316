import NIOCore
import NIOPosix

/// Reads a child's pipe on the event loop, line by line, until the child closes it.
enum PipeReader {
    /// Takes ownership of `descriptor` and calls `line` with each line (without
    /// its newline) until the end; lines longer than `maximumLineLength` are split.
    static func readLines(
        _ descriptor: Int32, maximumLineLength: Int = 64 * 1024, _ line: (String) -> Void
    ) async throws {
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(input: descriptor) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, _ in
            var pending = ByteBuffer()
            for try await var chunk in inbound {
                pending.writeBuffer(&chunk)
                while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    line(pending.readString(length: newline - pending.readerIndex)!)
                    pending.moveReaderIndex(forwardBy: 1)
                }
                while pending.readableBytes >= maximumLineLength {
                    line(pending.readString(length: maximumLineLength)!)
                }
                pending.discardReadBytes()
            }
            if pending.readableBytes > 0 { line(String(buffer: pending)) }
        }
    }
}
