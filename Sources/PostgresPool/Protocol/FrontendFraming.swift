import NIOCore

/// How a client's byte stream is cut into messages: untyped startup packets (length,
/// code, body) one at a time until a v3 StartupMessage, then runs of complete typed
/// messages, which the client's session inspects and relays as slices of what it read.
struct FrontendFraming {
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

    private var framer = MessageFramer()
    private var expectsStartupPacket = true
    /// The client logged in (AuthenticationOk went out): large messages are allowed from now on.
    var loggedIn = false

    /// Bytes read but not yet cut into a packet or run (after an SSLRequest: plaintext
    /// the client sent before the TLS handshake, which must not be trusted).
    var bufferedBytes: Int { framer.bufferedBytes }

    /// Adds bytes read from the client.
    mutating func append(_ read: ByteBuffer) {
        framer.append(read)
    }

    /// The next startup packet or run of typed messages, or nil until more bytes arrive.
    /// Throws when the stream is malformed; nothing more comes after that.
    mutating func next() throws -> ByteBuffer? {
        do {
            if expectsStartupPacket {
                guard let packet = try framer.nextRun(Self.startupPacketBytes) else { return nil }
                if let code = packet.getInteger(at: packet.readerIndex + 4, as: Int32.self), code >> 16 == 3 {
                    expectsStartupPacket = false
                }
                return packet
            }
            let limit = loggedIn ? Self.limitAfterLogin : .uniform(Self.maxLengthBeforeLogin)
            return try framer.nextRun { buffer in
                try MessageScanner.completeBytes(in: buffer, isValidType: MessageType.isFrontend, limit: limit, side: "frontend")
            }
        } catch {
            framer.stop()
            throw error
        }
    }

    /// The length of the whole startup packet at the front, or 0 until it is complete.
    private static func startupPacketBytes(in buffer: ByteBuffer) throws -> Int {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return 0 }
        guard length >= 8, length <= maxStartupPacketLength else {
            throw ProtocolViolation(
                message: "invalid length of startup packet: \(length) bytes (allowed: 8 to \(maxStartupPacketLength))"
            )
        }
        return buffer.readableBytes >= Int(length) ? Int(length) : 0
    }
}
