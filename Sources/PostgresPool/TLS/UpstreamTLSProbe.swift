import NIOCore
import NIOPosix

extension UpstreamTLSContext {
    /// Connects to the database, settles TLS as the pool's connections do (SSLRequest,
    /// handshake, certificate checks) and disconnects before logging in. Throws
    /// ``UpstreamTLSError`` when TLS fails (a certificate that does not verify, a
    /// database without TLS under a mode that requires it), or the connect error.
    /// Returns whether the connection ended up encrypted.
    public func probe(port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Bool {
        let (channel, settled) = try await connect(port: port, group: group)
        defer { channel.close(promise: nil) }
        return try await settled.get()
    }

    /// Connects with only the negotiator in the pipeline; `settled` completes once TLS is
    /// settled (true: encrypted). Add the protocol's handlers after it, then write.
    public func connect(
        port: Int, group: any EventLoopGroup, configure: (@Sendable (any Channel) throws -> Void)? = nil
    ) async throws -> (channel: any Channel, settled: EventLoopFuture<Bool>) {
        let eventLoop = group.next()
        let settled = eventLoop.makePromise(of: Bool.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(.seconds(10))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UpstreamTLSNegotiator(tls: self, port: port, settled: settled))
                        try configure?(channel)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            settled.fail(error)
            throw error
        }
        return (channel, settled.futureResult)
    }
}
