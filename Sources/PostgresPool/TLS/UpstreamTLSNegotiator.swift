import NIOCore
import NIOSSL
import NIOTLS

/// The start of a connection to the database when TLS may be used: sends SSLRequest,
/// reads the one-byte answer and, on `S`, puts NIOSSL in front of itself and waits for
/// the handshake. Only then does the rest of the pipeline see `channelActive` (and send
/// its StartupMessage), over TLS or, when `sslmode` allows it and the database said `N`,
/// in the clear. Then it removes itself.
///
/// A database that refuses TLS when the mode requires it, a failed handshake and a
/// database that sends more than its answer before the handshake (which could be
/// injected plaintext) are errors, fired as ``UpstreamTLSError`` and the channel closed.
public final class UpstreamTLSNegotiator: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private enum State {
        case idle
        case awaitingAnswer
        case handshaking
        case done
    }

    private let tls: UpstreamTLSContext
    private let port: Int
    private var state = State.idle
    private let settled: EventLoopPromise<Bool>?

    /// `settled`, when given, completes once TLS is settled (true: encrypted) or fails
    /// with the error, for callers that write their first message themselves.
    public init(tls: UpstreamTLSContext, port: Int, settled: EventLoopPromise<Bool>? = nil) {
        self.tls = tls
        self.port = port
        self.settled = settled
    }

    public func channelActive(context: ChannelHandlerContext) {
        state = .awaitingAnswer
        var request = context.channel.allocator.buffer(capacity: 8)
        request.writeInteger(Int32(8))
        request.writeInteger(StartupCode.sslRequest)
        context.writeAndFlush(NIOAny(request), promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .awaitingAnswer = state else {
            // During the handshake NIOSSL holds everything; afterwards this handler is gone.
            return context.fireChannelRead(data)
        }
        var answer = unwrapInboundIn(data)
        guard let byte = answer.readInteger(as: UInt8.self) else { return }
        switch byte {
        case UInt8(ascii: "S"):
            guard answer.readableBytes == 0 else {
                return fail(context, "the database sent \(answer.readableBytes) unencrypted bytes after agreeing to TLS; refusing them")
            }
            state = .handshaking
            do {
                try context.pipeline.syncOperations.addHandler(try tls.makeHandler(), position: .before(self))
            } catch {
                fail(context, "cannot start TLS: \(error)")
            }
        case UInt8(ascii: "N"):
            if tls.settings.mode.requiresTLS {
                return fail(context, "the database does not accept TLS connections, and sslmode=\(tls.settings.mode.rawValue) requires TLS")
            }
            finish(context, leftover: answer)
        case UInt8(ascii: "E"):
            fail(context, "the database answered the SSLRequest with an error (a server older than PostgreSQL 7.0, or not PostgreSQL)")
        default:
            fail(context, "the database answered the SSLRequest with \(byte), neither S nor N: is this PostgreSQL?")
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshaking = state, let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            if tls.settings.verification == .chainAndHost {
                let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
                guard let certificate = handler?.peerCertificate else {
                    return fail(context, "the database presented no certificate")
                }
                if let mismatch = HostNameCheck.mismatch(host: tls.host, certificate: certificate) {
                    return fail(context, mismatch)
                }
            }
            return finish(context, leftover: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch state {
        case .handshaking:
            fail(context, "the TLS handshake failed: \(UpstreamTLSError.describe(error, settings: tls.settings))")
        case .awaitingAnswer:
            fail(context, "\(error)")
        case .idle, .done:
            context.fireErrorCaught(error)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .awaitingAnswer:
            fail(context, "the database closed the connection instead of answering the SSLRequest")
        case .handshaking:
            fail(context, "the database closed the connection during the TLS handshake")
        case .idle, .done:
            break
        }
        context.fireChannelInactive()
    }

    private func finish(_ context: ChannelHandlerContext, leftover: ByteBuffer?) {
        let encrypted = state == .handshaking
        state = .done
        settled?.succeed(encrypted)
        context.fireChannelActive()
        if let leftover, leftover.readableBytes > 0 { context.fireChannelRead(NIOAny(leftover)) }
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        state = .done
        let error = UpstreamTLSError(host: tls.host, port: port, mode: tls.settings.mode, reason: reason)
        settled?.fail(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

/// Why TLS with the database did not come about. Its description names the host, the
/// port, the sslmode and the reason.
public struct UpstreamTLSError: Error, CustomStringConvertible, Sendable {
    public let host: String
    public let port: Int
    public let mode: SSLMode
    public let reason: String

    public var description: String {
        "TLS with the database at \(host):\(port) (sslmode=\(mode.rawValue)): \(reason)"
    }

    /// NIOSSL's errors in words a user can act on.
    static func describe(_ error: Error, settings: UpstreamTLSSettings) -> String {
        let text = "\(error)"
        let root: String
        switch settings.rootCertificates {
        case .file(let path): root = "sslrootcert=\(path)"
        case .system: root = "the system's trusted CAs"
        case nil: root = "no sslrootcert"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the database's certificate does not verify against \(root): it is signed by another CA, expired or not yet valid (\(text))"
        }
        if text.contains("failedToValidateHostname") || text.contains("Couldn't find") {
            return "the database's certificate is not for this host name (sslmode=verify-full checks it): \(text)"
        }
        return text
    }
}
