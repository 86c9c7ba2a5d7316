import Foundation
import PostgresPool

/// A `postgresql://user:password@host:port/database?sslmode=...` URL, taken apart.
/// Of the query, libpq's TLS parameters (`sslmode`, `sslrootcert`, `sslcert`,
/// `sslkey`) are understood and kept; others are ignored.
struct PostgresURL: Sendable, Equatable {
    var host: String
    var port: Int
    var user: String
    var password: String
    var database: String
    var tls: UpstreamTLSSettings

    /// Parses `text`; throws a message naming what is missing, with the password redacted.
    init(parsing text: String) throws {
        guard let components = URLComponents(string: text),
              ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? ""),
              let host = components.host, !host.isEmpty else {
            throw CommandError("database.url is not a postgresql:// URL: \(Self.redacted(text))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw CommandError("database.url names no user: \(Self.redacted(text))")
        }
        self.host = host
        port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        password = (components.password ?? "").removingPercentEncoding ?? ""
        let path = components.path.drop { $0 == "/" }
        database = path.isEmpty ? self.user : String(path)
        do {
            tls = try UpstreamTLSSettings(query: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        } catch {
            throw CommandError("database.url: \(error): \(Self.redacted(text))")
        }
    }

    init(host: String, port: Int, user: String, password: String, database: String, tls: UpstreamTLSSettings = UpstreamTLSSettings()) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// The URL with credentials, for `DATABASE_URL` and `emulator url`.
    var text: String {
        let allowed = CharacterSet.urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: allowed) ?? user
        let encodedPassword = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        return "postgresql://\(encodedUser):\(encodedPassword)@\(host):\(port)/\(database)" + query
    }

    /// The URL with the password replaced by `***`, for messages.
    var redactedText: String { "postgresql://\(user):***@\(host):\(port)/\(database)" + query }

    /// `?sslmode=...&sslrootcert=...`, or empty when the TLS settings are libpq's defaults.
    private var query: String {
        let items = tls.queryItems
        guard !items.isEmpty else { return "" }
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))
        return "?" + items.map { "\($0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
            .joined(separator: "&")
    }

    /// The same database reached through the pool on `port` (libpq's default `sslmode=prefer`:
    /// TLS when the pool offers it).
    func throughPool(port: Int) -> PostgresURL {
        PostgresURL(host: "127.0.0.1", port: port, user: user, password: password, database: database)
    }

    /// The URL that makes libpq verify the server against `caPath` (`emulator url --tls`).
    func verifyingServer(caPath: String) -> PostgresURL {
        var url = self
        url.tls = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(caPath))
        return url
    }

    /// The pool's view of this database.
    var upstream: UpstreamDatabase {
        UpstreamDatabase(host: host, port: port, user: user, password: password, database: database, tls: tls)
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}

/// A command-line failure with a message for the user.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
