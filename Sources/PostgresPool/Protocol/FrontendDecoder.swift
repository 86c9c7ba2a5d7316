import NIOCore

/// Splits a client's byte stream into messages.
///
/// Until a v3 StartupMessage arrives it emits untyped startup packets (length, code,
/// body) one at a time; afterwards it emits runs of complete typed messages as single
/// slices of the read buffer, which the client handler inspects and relays unchanged.
struct FrontendDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// PostgreSQL rejects startup packets over 10000 bytes; so does the pool.
    static let maxStartupPacketLength = 10_000

    /// Before login a client may only send authentication messages, which
    /// PostgreSQL limits to this length, so a client that has not logged in
    /// cannot make the pool buffer large messages.
    static let maxLengthBeforeLogin = 65_535

    /// After login: messages that carry statements or data may be large; the
    /// others (Describe, Execute, Sync, Close, CopyFail, ...) are small.
    static let limitAfterLogin = MessageScanner.Limit.byType(
        large: Set("QPBFd".utf8), other: 1 << 20)

    private var expectsStartupPacket = true
    private let login: LoginGate

    /// A decoder whose limits follow `login`.
    init(login: LoginGate) {
        self.login = login
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if expectsStartupPacket {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
            guard length >= 8, length <= Self.maxStartupPacketLength else {
                throw ProtocolViolation(
                    message: "invalid length of startup packet: \(length) bytes (allowed: 8 to \(Self.maxStartupPacketLength))"
                )
            }
            guard buffer.readableBytes >= Int(length) else { return .needMoreData }
            let packet = buffer.readSlice(length: Int(length))!
            if let code = packet.getInteger(at: packet.readerIndex + 4, as: Int32.self), code >> 16 == 3 {
                expectsStartupPacket = false
            }
            context.fireChannelRead(wrapInboundOut(packet))
            return .continue
        }
        let limit = login.isOpen ? Self.limitAfterLogin : .uniform(Self.maxLengthBeforeLogin)
        let count = try MessageScanner.completeBytes(
            in: buffer, isValidType: MessageType.isFrontend, limit: limit, side: "frontend")
        guard count > 0 else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: count)!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Splits a server's byte stream into runs of complete typed messages.
struct BackendDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let count = try MessageScanner.completeBytes(in: buffer, isValidType: { _ in true }, side: "backend")
        guard count > 0 else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: count)!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
