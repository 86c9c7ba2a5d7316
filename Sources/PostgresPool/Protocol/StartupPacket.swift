import NIOCore

/// What a client asked for in its first (untyped) packet.
enum StartupRequest {
    case sslRequest
    case gssEncRequest
    case cancel(processID: Int32, secretKey: Int32)
    /// A v3 StartupMessage: its minor version and parameters in the order sent.
    case startup(minorVersion: Int32, parameters: [(String, String)])
    /// Any other protocol version.
    case unsupportedVersion(major: Int32, minor: Int32)

    /// Parses a whole packet as cut by `FrontendFraming` (length included).
    init(parsing packet: ByteBuffer) throws {
        var packet = packet
        guard let length = packet.readInteger(as: Int32.self), let code = packet.readInteger(as: Int32.self) else {
            throw ProtocolViolation(message: "truncated startup packet")
        }
        switch code {
        case StartupCode.sslRequest:
            guard length == 8 else { throw ProtocolViolation(message: "invalid length of SSLRequest: \(length)") }
            self = .sslRequest
        case StartupCode.gssEncRequest:
            guard length == 8 else { throw ProtocolViolation(message: "invalid length of GSSENCRequest: \(length)") }
            self = .gssEncRequest
        case StartupCode.cancelRequest:
            guard length == 16, let pid = packet.readInteger(as: Int32.self), let key = packet.readInteger(as: Int32.self) else {
                throw ProtocolViolation(message: "invalid length of CancelRequest: \(length)")
            }
            self = .cancel(processID: pid, secretKey: key)
        default:
            let major = code >> 16, minor = code & 0xFFFF
            guard major == 3 else {
                self = .unsupportedVersion(major: major, minor: minor)
                return
            }
            var parameters: [(String, String)] = []
            while true {
                guard let name = packet.readNullTerminatedString() else {
                    throw ProtocolViolation(message: "invalid startup packet layout: expected terminator as last byte")
                }
                if name.isEmpty { break }
                guard let value = packet.readNullTerminatedString() else {
                    throw ProtocolViolation(message: "invalid startup packet layout: parameter \"\(name)\" has no value")
                }
                parameters.append((name, value))
            }
            guard packet.readableBytes == 0 else {
                throw ProtocolViolation(message: "invalid startup packet layout: expected terminator as last byte")
            }
            self = .startup(minorVersion: minor, parameters: parameters)
        }
    }
}
