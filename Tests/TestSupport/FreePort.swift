#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP port on 127.0.0.1 that was free a moment ago, chosen at random below
/// the kernel's ephemeral range (32768 and up on Linux), so that the sockets
/// other tests bind to port 0 meanwhile cannot take it before the caller binds
/// it. (Another test picking the same port stays possible, but unlikely.)
public func freePort() throws -> Int {
    for _ in 0..<200 {
        let candidate = Int.random(in: 20_000..<32_000)
        if try canBind(candidate) { return candidate }
    }
    throw TestSupportError("no free port found between 20000 and 32000")
}

/// Whether a listening socket could bind `port` on 127.0.0.1 just now.
private func canBind(_ port: Int) throws -> Bool {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TestSupportError("socket() failed: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if bound == 0 { return true }
    guard errno == EADDRINUSE || errno == EACCES else {
        throw TestSupportError("bind() failed: \(String(cString: strerror(errno)))")
    }
    return false
}

/// A failure of a test helper, with a message saying what went wrong.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
