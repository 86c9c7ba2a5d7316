#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 that injects network faults between a client and
/// a server: added latency, a stall (nothing forwarded either way until
/// resumed) and resets (every open connection closed with an RST).
///
/// Each proxied connection has a thread of its own that polls both sockets,
/// so the faults apply between two reads, at any point of a conversation.
///
/// ```swift
/// let proxy = try FaultProxy(upstreamPort: database.port)
/// defer { proxy.stop() }
/// proxy.stall()          // in-flight queries get no answer
/// proxy.resume()
/// proxy.resetConnections()
/// ```
public final class FaultProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var latencyMilliseconds = 0
        var fragmentBytes = 0
        var stalled = false
        var resets = 0
        var stopping = false
        var threads = 0
        var accepted = 0
        /// The open connections, each with the reset count when it was accepted.
        var open: [Int: Int] = [:]
    }

    /// Listens on a free port and forwards every connection to `upstreamPort` on 127.0.0.1.
    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        listener = try Self.listen()
        port = try Self.localPort(listener)
        startThread(Self.acceptLoop)
    }

    /// Delays every chunk forwarded from now on (both ways) by `milliseconds`.
    public func setLatency(milliseconds: Int) { state.withLock { $0.latencyMilliseconds = milliseconds } }
    /// Forwards every chunk from now on in pieces of at most `bytes` (0: whole), each sent on its own.
    public func setFragmentSize(bytes: Int) { state.withLock { $0.fragmentBytes = bytes } }
    /// Stops forwarding anything, either way, on every connection (new ones are accepted but stall too).
    public func stall() { state.withLock { $0.stalled = true } }
    /// Forwards again after ``stall()``.
    public func resume() { state.withLock { $0.stalled = false } }
    /// Closes every open connection with an RST on both sides and returns once they are closed;
    /// later connections are proxied normally.
    public func resetConnections() {
        let resets = state.withLock { state in
            state.resets += 1
            return state.resets
        }
        while state.withLock({ $0.open.values.contains { $0 < resets } }) { usleep(1_000) }
    }
    /// How many connections the proxy has accepted so far.
    public var acceptedConnections: Int { state.withLock { $0.accepted } }

    /// Closes the listener and every connection, and waits for the proxy's threads to end.
    /// Call it once the test is done with the proxy (its threads keep it alive until then).
    public func stop() {
        guard !state.withLock({ state in defer { state.stopping = true }; return state.stopping }) else { return }
        while state.withLock({ $0.threads }) > 0 { usleep(5_000) }
        close(listener)
    }

    private func startThread(_ body: @escaping @Sendable (FaultProxy) -> Void) {
        state.withLock { $0.threads += 1 }
        Thread.detachNewThread { [self] in
            body(self)
            state.withLock { $0.threads -= 1 }
        }
    }

    private static func acceptLoop(_ proxy: FaultProxy) {
        while !proxy.state.withLock({ $0.stopping }) {
            var descriptor = pollfd(fd: proxy.listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20) > 0 else { continue }
            let client = accept(proxy.listener, nil, nil)
            guard client >= 0 else { continue }
            guard let upstream = try? connectTo(port: proxy.upstreamPort) else {
                close(client)
                continue
            }
            var noDelay: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let (id, resets) = proxy.state.withLock { state -> (Int, Int) in
                state.accepted += 1
                state.open[state.accepted] = state.resets
                return (state.accepted, state.resets)
            }
            proxy.startThread { proxy in
                proxy.forward(client, upstream, resetsAtStart: resets)
                _ = proxy.state.withLock { $0.open.removeValue(forKey: id) }
            }
        }
    }

    /// Copies bytes both ways between `client` and `upstream` until either closes, a reset or stop.
    private func forward(_ client: Int32, _ upstream: Int32, resetsAtStart: Int) {
        var reset = false
        defer {
            if reset {
                var abort = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
                setsockopt(upstream, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
            }
            close(client)
            close(upstream)
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let (stalled, latency, fragment, resets, stopping) = state.withLock {
                ($0.stalled, $0.latencyMilliseconds, $0.fragmentBytes, $0.resets, $0.stopping)
            }
            if stopping { return }
            if resets != resetsAtStart {
                reset = true
                return
            }
            if stalled {
                usleep(5_000)
                continue
            }
            var descriptors = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&descriptors, 2, 20) > 0 else { continue }
            for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                let from = index == 0 ? client : upstream
                let to = index == 0 ? upstream : client
                let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return }
                if latency > 0 { usleep(UInt32(latency) * 1_000) }
                var start = 0
                while start < count {
                    let end = fragment > 0 ? min(count, start + fragment) : count
                    guard Self.sendAll(to, buffer[start..<end]) else { return }
                    start = end
                }
            }
        }
    }

    private static func sendAll(_ socket: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func newSocket() throws -> Int32 {
        #if canImport(Glibc)
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw TestSupportError("socket() failed: \(String(cString: strerror(errno)))") }
        return socket
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func listen() throws -> Int32 {
        let socket = try newSocket()
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #if canImport(Glibc)
        let listening = Glibc.listen(socket, 64)
        #else
        let listening = Darwin.listen(socket, 64)
        #endif
        guard bound == 0, listening == 0 else {
            close(socket)
            throw TestSupportError("could not listen: \(String(cString: strerror(errno)))")
        }
        return socket
    }

    private static func localPort(_ socket: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard result == 0 else { throw TestSupportError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func connectTo(port: Int) throws -> Int32 {
        let socket = try newSocket()
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw TestSupportError("connect() to port \(port) failed")
        }
        return socket
    }
}
