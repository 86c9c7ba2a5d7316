import Foundation

/// Plain TCP to a loopback port, for bytes no HTTP client would send.
enum RawSocket {
    /// A socket connected to 127.0.0.1:`port` whose reads give up after `receiveTimeout`.
    static func connect(port: Int, receiveTimeout: timeval = timeval(tv_sec: 10, tv_usec: 0)) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw HostError(message: "connect to port \(port) failed: \(error)")
        }
        var timeout = receiveTimeout
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends `bytes` (then closes the sending side when `closingWrite`) and
    /// returns everything the peer sends until it closes.
    static func exchange(port: Int, bytes: [UInt8], closingWrite: Bool = false) throws -> String {
        let fd = try connect(port: port)
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { break }
            offset += written
        }
        if closingWrite { shutdown(fd, Int32(SHUT_WR)) }
        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
