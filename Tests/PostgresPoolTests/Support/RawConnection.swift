#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TestSupport

/// A message read off the wire by `RawConnection`.
struct RawMessage: CustomStringConvertible {
    var type: UInt8
    var body: [UInt8]

    /// The fields of an ErrorResponse or NoticeResponse, keyed by field type.
    var fields: [Character: String] {
        var result: [Character: String] = [:]
        var index = 0
        while index < body.count, body[index] != 0 {
            let field = Character(UnicodeScalar(body[index]))
            index += 1
            var end = index
            while end < body.count, body[end] != 0 { end += 1 }
            result[field] = String(decoding: body[index..<end], as: UTF8.self)
            index = end + 1
        }
        return result
    }

    var sqlState: String? { type == UInt8(ascii: "E") ? fields["C"] : nil }
    var isError: Bool { type == UInt8(ascii: "E") }

    var description: String {
        let name = Character(UnicodeScalar(type))
        return isError || type == UInt8(ascii: "N") ? "\(name) \(fields)" : "\(name) (\(body.count) bytes)"
    }
}

/// A plain blocking TCP connection for feeding the pool exact bytes (good or bad) and
/// reading exactly what comes back. Reads give up after `timeoutSeconds` of silence.
final class RawConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: Int, timeoutSeconds: Int = 10) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw TestSupportError("connect() to port \(port) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        Glibc.close(fd)
    }

    /// Closes the socket now (a client vanishing).
    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }  // the pool closed on us: what it said is still readable
            offset += written
        }
    }

    /// Reads raw bytes until the peer closes (or the read times out); returns them all.
    func readBytesUntilClosed() -> [UInt8] {
        while fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Reads more bytes; false on EOF, error or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { closedByPeer = true }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    /// Reads one byte (the answer to SSLRequest/GSSENCRequest).
    func readByte() -> UInt8? {
        while buffer.isEmpty { guard fill() else { return nil } }
        return buffer.removeFirst()
    }

    /// Reads one typed message; nil on EOF or timeout.
    func readMessage() -> RawMessage? {
        while true {
            if buffer.count >= 5 {
                let length = Int(buffer[1]) << 24 | Int(buffer[2]) << 16 | Int(buffer[3]) << 8 | Int(buffer[4])
                if buffer.count >= length + 1 {
                    let message = RawMessage(type: buffer[0], body: Array(buffer[5..<(length + 1)]))
                    buffer.removeFirst(length + 1)
                    return message
                }
            }
            guard fill() else { return nil }
        }
    }

    /// Reads messages until one of type `type` (included); nil if the connection ends first.
    func read(until type: Character) -> [RawMessage]? {
        var messages: [RawMessage] = []
        while let message = readMessage() {
            messages.append(message)
            if message.type == type.asciiValue! { return messages }
        }
        return nil
    }

    /// Reads until the peer closes (or the read times out); returns all messages.
    func readUntilClosed() -> [RawMessage] {
        var messages: [RawMessage] = []
        while let message = readMessage() { messages.append(message) }
        return messages
    }

    /// Logs in with a StartupMessage (the pool must use trust authentication) and reads up
    /// to ReadyForQuery. Returns the messages (ParameterStatus, BackendKeyData, ...).
    func login(user: String, database: String, extra: [(String, String)] = []) throws -> [RawMessage] {
        send(Wire.startup([("user", user), ("database", database)] + extra))
        guard let messages = read(until: "Z") else {
            throw TestSupportError("login did not reach ReadyForQuery")
        }
        if let error = messages.first(where: \.isError) {
            throw TestSupportError("login failed: \(error)")
        }
        return messages
    }
}

/// Builders for protocol messages, good and bad.
enum Wire {
    static func int32(_ value: Int32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func cString(_ string: String) -> [UInt8] {
        Array(string.utf8) + [0]
    }

    static func startup(_ parameters: [(String, String)], version: Int32 = 196_608) -> [UInt8] {
        var body = int32(version)
        for (name, value) in parameters { body += cString(name) + cString(value) }
        body.append(0)
        return int32(Int32(body.count + 4)) + body
    }

    static func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + int32(Int32(body.count + 4)) + body
    }

    static func query(_ sql: String) -> [UInt8] {
        message("Q", cString(sql))
    }

    static let sslRequest = int32(8) + int32(80_877_103)
    static let gssEncRequest = int32(8) + int32(80_877_104)

    static func cancelRequest(processID: Int32, secretKey: Int32) -> [UInt8] {
        int32(16) + int32(80_877_102) + int32(processID) + int32(secretKey)
    }

    static func parse(_ name: String, _ sql: String) -> [UInt8] {
        message("P", cString(name) + cString(sql) + [0, 0])
    }

    /// Bind of `statement` to the unnamed portal, with text parameters.
    static func bind(_ statement: String, _ parameters: [String] = []) -> [UInt8] {
        var body = cString("") + cString(statement) + [0, 0] + withUnsafeBytes(of: Int16(parameters.count).bigEndian) { Array($0) }
        for parameter in parameters { body += int32(Int32(parameter.utf8.count)) + Array(parameter.utf8) }
        return message("B", body + [0, 0])
    }

    static func describe(_ kind: Character, _ name: String) -> [UInt8] {
        message("D", [kind.asciiValue!] + cString(name))
    }

    static func close(_ kind: Character, _ name: String) -> [UInt8] {
        message("C", [kind.asciiValue!] + cString(name))
    }

    static let execute = message("E", cString("") + int32(0))
    static let sync = message("S", [])

    /// An extended-protocol round trip with an unnamed statement and one text parameter.
    static func extendedQuery(_ sql: String, parameter: String) -> [UInt8] {
        let parse = message("P", cString("") + cString(sql) + [0, 0])
        let bind = message(
            "B",
            cString("") + cString("") + [0, 0] + [0, 1] + int32(Int32(parameter.utf8.count)) + Array(parameter.utf8) + [0, 0]
        )
        let describe = message("D", [UInt8(ascii: "P")] + cString(""))
        let execute = message("E", cString("") + int32(0))
        return parse + bind + describe + execute + message("S", [])
    }
}

extension Array where Element == RawMessage {
    /// The message types, in order, as a string (`"12DCZ"`).
    var types: String { String(map { Character(UnicodeScalar($0.type)) }) }

    /// The text of each DataRow's first column.
    var firstColumns: [String] {
        filter { $0.type == UInt8(ascii: "D") }.map { row in
            let length = Int(row.body[2]) << 24 | Int(row.body[3]) << 16 | Int(row.body[4]) << 8 | Int(row.body[5])
            return String(decoding: row.body[6..<(6 + length)], as: UTF8.self)
        }
    }

    /// The CommandComplete tags.
    var tags: [String] { filter { $0.type == UInt8(ascii: "C") }.map { String(decoding: $0.body.dropLast(), as: UTF8.self) } }

    /// The NoticeResponses' fields.
    var notices: [[Character: String]] { filter { $0.type == UInt8(ascii: "N") }.map(\.fields) }

    /// The first ErrorResponse's SQLSTATE.
    var firstSQLState: String? { first(where: \.isError)?.sqlState }
    var firstErrorMessage: String? { first(where: \.isError)?.fields["M"] }
}

extension RawConnection {
    /// Connects, sends `bytes` (a CancelRequest), and waits for the pool to close.
    static func sendAndClose(port: Int, _ bytes: [UInt8]) {
        guard let connection = try? RawConnection(port: port, timeoutSeconds: 5) else { return }
        connection.send(bytes)
        _ = connection.readUntilClosed()
    }
}
