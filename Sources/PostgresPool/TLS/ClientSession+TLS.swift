import NIOCore
import NIOSSL

/// TLS toward clients: the answer to SSLRequest, the handshake, and `pool.tls: "require"`.
extension ClientSession {
    /// Answers an SSLRequest: `S` and a TLS handshake when `pool.tls` allows it, else `N`
    /// (the client may go on in the clear, as with PostgreSQL's `ssl = off`).
    func answerSSLRequest(_ context: ChannelHandlerContext) {
        if isEncrypted {
            core.stats.errors.protocol += 1
            return fail(ErrorFields(code: SQLState.protocolViolation, message: "SSLRequest over a connection that already uses TLS"))
        }
        guard let sslContext = core.tls.client else {
            var answer = context.channel.allocator.buffer(capacity: 1)
            answer.writeInteger(UInt8(ascii: "N"))
            context.writeAndFlush(NIOAny(answer), promise: nil)
            return
        }
        // Bytes sent after SSLRequest and before the handshake are not protected by it:
        // PostgreSQL refuses them (CVE-2021-23214), so does the pool.
        guard framing.bufferedBytes == 0 else {
            core.stats.errors.protocol += 1
            return fail(ErrorFields(
                code: SQLState.protocolViolation, message: "received unencrypted data after SSL request"))
        }
        var answer = context.channel.allocator.buffer(capacity: 1)
        answer.writeInteger(UInt8(ascii: "S"))
        // The answer goes out in the clear: it is written before NIOSSL joins the pipeline.
        context.writeAndFlush(NIOAny(answer), promise: nil)
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
            isEncrypted = true
        } catch {
            core.logger.error("client \(processID): cannot start TLS: \(error)")
            close()
        }
    }

    /// With `pool.tls: "require"`, the error for a client that logs in without TLS.
    func plainConnectionRefusal() -> ErrorFields? {
        guard core.tls.clientMode == .require, !isEncrypted else { return nil }
        return ErrorFields(
            code: SQLState.invalidAuthorization,
            message: "the pool requires TLS (runtime.json pool.tls is \"require\"): this connection is not encrypted",
            hint: "Connect with sslmode=require (or verify-full with sslrootcert=.emulator/tls/ca.crt; `emulator url --tls` prints such a URL), or set pool.tls to \"allow\"."
        )
    }

    /// A failed or broken TLS session, described for the log; nil for other errors.
    func tlsFailure(_ error: Error) -> String? {
        switch error {
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed:
                return "TLS handshake failed (the client sent something other than a TLS handshake, or no cipher/version in common): \(error)"
            case .uncleanShutdown:
                return "the client closed its TLS connection without a close_notify"
            default:
                return "TLS error: \(error)"
            }
        case let error as BoringSSLError:
            return "TLS error: \(error)"
        default:
            return nil
        }
    }
}
