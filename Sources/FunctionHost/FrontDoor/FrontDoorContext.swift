import Hummingbird
import NIOCore

/// The request context of the front door: Hummingbird's core storage plus the
/// caller's address (for `requestContext.http.sourceIp` and the loopback-only admin surface).
struct FrontDoorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's IP address.
    let remoteAddress: SocketAddress?
    /// The port the request came in on (the front door's).
    let localPort: Int

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        localPort = source.channel.localAddress?.port ?? 0
    }

    /// Whether the caller is on this machine.
    var isLoopback: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
