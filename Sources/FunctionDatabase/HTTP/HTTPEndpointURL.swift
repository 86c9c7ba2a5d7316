/// `DATABASE_HTTP_URL` taken apart: `http://host:port/path`.
struct HTTPEndpointURL: Sendable, Equatable {
    var host: String
    var port: Int
    var path: String

    /// Parses `text`.
    /// - Throws: ``DatabaseError/invalidURL(reason:)`` naming what is wrong.
    init(_ text: String) throws(DatabaseError) {
        guard text.lowercased().hasPrefix("http://") else {
            throw .invalidURL(reason: "DATABASE_HTTP_URL must start with http:// (got \"\(text)\")")
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
                throw .invalidURL(reason: "DATABASE_HTTP_URL has no valid port (got \"\(text)\")")
            }
            host = String(authority[..<colon])
            self.port = port
        } else {
            host = String(authority)
            port = 80
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidURL(reason: "DATABASE_HTTP_URL names no host (got \"\(text)\")") }
    }
}
