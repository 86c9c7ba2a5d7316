import Crypto
import NIOCore
import PostgresPool

/// The startup of one connection to the pool: the StartupMessage, then
/// whichever password authentication the pool asks for (SCRAM-SHA-256, MD5,
/// cleartext, or none), up to the first ReadyForQuery.
struct LoginExchange {
    let login: Login
    let secrets: SaltedPasswords

    /// The name every connection of the endpoint gives itself (`application_name`).
    static let applicationName = "sql-over-http"

    func run(on connection: WireConnection) async throws {
        var request = connection.buffer()
        request.writeStartup([
            ("user", login.user), ("database", login.database), ("application_name", Self.applicationName),
            ("client_encoding", "UTF8"), ("DateStyle", "ISO"),
        ])
        var scram: SCRAMClientExchange?
        while true {
            let reply = try await connection.send(request, until: .loginStep)
            if let error = reply.error { throw error }
            guard let last = reply.messages.last, !reply.closed else { throw WireError.connectionLost }
            if let final = reply.messages.first(where: { $0.authenticationCode == 12 }) {
                try verify(final, scram)
            }
            if last.type == BackendMessage.readyForQuery { return }
            request = connection.buffer()
            try answer(last, scram: &scram, into: &request)
        }
    }

    /// Writes the answer to an authentication request.
    private func answer(_ message: BackendMessage, scram: inout SCRAMClientExchange?, into request: inout ByteBuffer) throws {
        var body = message.body
        switch body.readInteger(as: Int32.self) {
        case 3:
            request.writePassword(Array(login.password.utf8) + [0])
        case 5:
            guard let salt = body.readBytes(length: 4) else { throw WireError.protocolViolation("an MD5 request without salt") }
            request.writePassword(Array(Self.md5(user: login.user, password: login.password, salt: salt).utf8) + [0])
        case 10:
            var mechanisms: [String] = []
            while let mechanism = body.readNullTerminated(), !mechanism.isEmpty { mechanisms.append(mechanism) }
            guard mechanisms.contains("SCRAM-SHA-256") else {
                throw WireError.protocolViolation("SASL mechanisms \(mechanisms) without SCRAM-SHA-256")
            }
            let exchange = SCRAMClientExchange()
            scram = exchange
            let first = Array(exchange.clientFirst.utf8)
            var payload = Array("SCRAM-SHA-256".utf8) + [0]
            withUnsafeBytes(of: Int32(first.count).bigEndian) { payload += $0 }
            request.writePassword(payload + first)
        case 11:
            guard var exchange = scram else { throw WireError.protocolViolation("a SASL continuation without a SASL start") }
            let password = login.password
            let final = try exchange.receiveServerFirst(String(buffer: body)) { salt, iterations in
                secrets.salted(password, salt: salt, iterations: iterations)
            }
            scram = exchange
            request.writePassword(Array(final.utf8))
        case let code:
            throw WireError.protocolViolation("authentication method \(code.map(String.init) ?? "?")")
        }
    }

    private func verify(_ message: BackendMessage, _ scram: SCRAMClientExchange?) throws {
        var body = message.body
        body.moveReaderIndex(forwardBy: 4)
        guard let scram else { throw WireError.protocolViolation("a SASL final message without a SASL start") }
        try scram.receiveServerFinal(String(buffer: body))
    }

    /// PostgreSQL's MD5 password: `"md5" + md5(md5(password + user) + salt)`.
    private static func md5(user: String, password: String, salt: [UInt8]) -> String {
        func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
            digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        let inner = hex(Insecure.MD5.hash(data: Array((password + user).utf8)))
        return "md5" + hex(Insecure.MD5.hash(data: Array(inner.utf8) + salt))
    }
}
