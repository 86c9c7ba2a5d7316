import NIOCore
import NIOPosix

/// Streams an instance's standard output and error (one pipe) into the ``LogSink``, one
/// line at a time, each prefixed with `[function/instance]`. Lines end at `\n`, `\r\n`
/// or a lone `\r`: Lambda's runtime clients (awslambdaric, the Node.js runtime)
/// separate the lines of one multi-line record with `\r`.
enum InstanceOutputForwarder {
    /// The longest line forwarded whole; longer ones are split, so a function
    /// that floods without newlines cannot grow the host's memory.
    static let maximumLineLength = 16 * 1024

    /// Takes ownership of `descriptor` and forwards it until the instance closes it;
    /// the returned ``InstanceOutput`` tells when what is in the pipe has been forwarded.
    static func forward(descriptor: Int32, prefix: String, sink: LogSink, group: any EventLoopGroup) -> InstanceOutput {
        let eventLoop = group.next()
        let output = InstanceOutput(descriptor: descriptor, eventLoop: eventLoop)
        let bootstrap = NIOPipeBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LineHandler(prefix: prefix, sink: sink))
                }
            }
        _ = bootstrap.takingOwnershipOfDescriptor(input: descriptor)
        return output
    }

    private final class LineHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let prefix: String
        private let sink: LogSink
        private var pending = ByteBuffer()
        /// The last line ended with `\r`: a `\n` right after it ends nothing more.
        private var afterCarriageReturn = false

        init(prefix: String, sink: LogSink) {
            self.prefix = prefix
            self.sink = sink
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var chunk = unwrapInboundIn(data)
            pending.writeBuffer(&chunk)
            while true {
                if afterCarriageReturn, pending.readableBytes > 0 {
                    afterCarriageReturn = false
                    if pending.readableBytesView.first == UInt8(ascii: "\n") { pending.moveReaderIndex(forwardBy: 1) }
                }
                guard let end = pending.readableBytesView.firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
                else { break }
                let length = end - pending.readerIndex
                emit(pending.readSlice(length: length)!)
                afterCarriageReturn = pending.readInteger(as: UInt8.self) == UInt8(ascii: "\r")
            }
            while pending.readableBytes >= InstanceOutputForwarder.maximumLineLength {
                emit(pending.readSlice(length: InstanceOutputForwarder.maximumLineLength)!)
            }
            pending.discardReadBytes()
        }

        func channelInactive(context: ChannelHandlerContext) {
            if pending.readableBytes > 0 { emit(pending) }
            pending.clear()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        private func emit(_ line: ByteBuffer) {
            sink.write("\(prefix) \(String(buffer: line))")
        }
    }
}
