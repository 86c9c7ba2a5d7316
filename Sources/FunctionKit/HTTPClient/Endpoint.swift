/// The `host:port` a function reaches the Runtime API at, parsed from
/// `AWS_LAMBDA_RUNTIME_API` (`127.0.0.1:9001`, `localhost:9001`, `[::1]:9001`).
struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Parses `host:port`; returns `nil` when either part is missing or the port is not a number.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        guard !host.isEmpty,
              let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port` as it belongs in a `Host` header.
    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
