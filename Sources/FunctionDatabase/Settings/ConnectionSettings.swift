/// Where and as whom to connect, taken from a libpq-style URL:
/// `postgresql://user:password@host:port/database?application_name=name`.
///
/// `postgres://` works too; user, password, database and parameter values
/// may be percent-encoded. The port defaults to 5432 and the database to the
/// user's name. `application_name` comes from the URL, else from `PGAPPNAME`.
/// `sslmode=require`, `verify-ca` and `verify-full` (with `sslrootcert`, a PEM
/// file or `system`) connect over TLS with libpq's meanings; without `sslmode`,
/// and with `disable`, `allow` or `prefer`, the connection is plain TCP (this
/// client does not try TLS first). Other parameters are ignored.
struct ConnectionSettings: Sendable, Equatable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var applicationName: String?
    /// How the connection uses TLS.
    var tls: TLS = .off

    /// TLS as `sslmode` and `sslrootcert` ask for it.
    enum TLS: Sendable, Equatable {
        case off
        /// TLS; the certificate checked only when a root certificate is given (libpq's `require`).
        case required(rootCertificate: String?)
        /// TLS, the chain checked against the root certificate (`verify-ca`).
        case verifyChain(rootCertificate: String)
        /// TLS, the chain and the host name checked (`verify-full`).
        case verifyFull(rootCertificate: String)
    }

    /// The settings in `DATABASE_URL`, with `PGAPPNAME` as the fallback
    /// application name.
    static func fromEnvironment(_ environment: (String) -> String?) throws(DatabaseError) -> ConnectionSettings {
        guard let url = environment("DATABASE_URL"), !url.isEmpty else { throw .missingURL }
        var settings = try ConnectionSettings(url: url)
        if settings.applicationName == nil {
            settings.applicationName = environment("PGAPPNAME").flatMap { $0.isEmpty ? nil : $0 }
        }
        return settings
    }

    /// Parses `url`.
    /// - Throws: ``DatabaseError/invalidURL(reason:)`` naming the part that is wrong (never the password).
    init(url: String) throws(DatabaseError) {
        var rest = Substring(url)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.lowercased().hasPrefix($0) }) else {
            throw .invalidURL(reason: "it must start with postgresql:// or postgres://")
        }
        rest = rest.dropFirst(scheme.count)

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // Without an @ before the first / or ?, what follows the user's `:`
        // (perhaps a password holding a raw / or ?) must not be read, and
        // quoted, as a port.
        guard let at = rest.lastIndex(of: "@") else { throw Self.noUser }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]

        if let colon = userInfo.firstIndex(of: ":") {
            user = try Self.decode(userInfo[..<colon], "the user")
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], "the password")
        } else {
            user = try Self.decode(userInfo, "the user")
            password = nil
        }
        guard !user.isEmpty else { throw Self.noUser }
        (host, port) = try Self.hostAndPort(rest)
        let name = try Self.decode(path, "the database name")
        database = name.isEmpty ? user : name

        var sslMode: String?
        var rootCertificate: String?
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            let key = pair[..<equals]
            let value = try Self.decode(pair[equals...].dropFirst(), "parameter \(key)")
            switch key {
            case "application_name":
                applicationName = value
            case "sslmode":
                sslMode = value
            case "sslrootcert":
                rootCertificate = value.isEmpty ? nil : value
            default:
                continue
            }
        }
        tls = try Self.tls(sslMode: sslMode, rootCertificate: rootCertificate)
    }

    private static func tls(sslMode: String?, rootCertificate: String?) throws(DatabaseError) -> TLS {
        switch sslMode ?? (rootCertificate == "system" ? "verify-full" : "prefer") {
        case "disable", "allow", "prefer":
            return .off
        case "require":
            return .required(rootCertificate: rootCertificate)
        case "verify-ca":
            guard let rootCertificate else { throw .invalidURL(reason: "sslmode=verify-ca needs sslrootcert (a PEM file of the CA, or system)") }
            return .verifyChain(rootCertificate: rootCertificate)
        case "verify-full":
            guard let rootCertificate else { throw .invalidURL(reason: "sslmode=verify-full needs sslrootcert (a PEM file of the CA, or system)") }
            return .verifyFull(rootCertificate: rootCertificate)
        case let other:
            throw .invalidURL(reason: "sslmode=\(other) is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    private static let noUser = DatabaseError.invalidURL(
        reason: "it names no user (postgresql://USER:PASSWORD@HOST:PORT/DATABASE, "
            + "with a / or ? in the user or password percent-encoded as %2F or %3F)")

    private static func hostAndPort(_ text: Substring) throws(DatabaseError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidURL(reason: "an IPv6 host must be closed by ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL(reason: "unexpected \"\(after)\" after the host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "it names no host") }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .invalidURL(reason: "the port \"\(portText)\" is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    /// Decodes `%XX` escapes; `what` names the part in the error.
    private static func decode(_ text: Substring, _ what: String) throws(DatabaseError) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2,
                  let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else {
                throw .invalidURL(reason: "\(what) has a % that is not followed by two hex digits")
            }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidURL(reason: "\(what) is not UTF-8 once percent-decoded")
        }
        return decoded
    }
}
