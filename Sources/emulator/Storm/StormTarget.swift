import Foundation

/// The emulator a storm aims at: `http://HOST:PORT`.
struct StormTarget: Sendable, CustomStringConvertible {
    /// Host name or address.
    let host: String
    /// TCP port.
    let port: Int

    /// A target on this machine.
    init(loopbackPort port: Int) {
        host = "127.0.0.1"
        self.port = port
    }

    /// Parses `--target`: an `http://` URL with a host, an optional port (80
    /// by default) and no path beyond `/`.
    init(url text: String) throws {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "http",
              let host = components.host, !host.isEmpty
        else {
            throw CommandError("--target expects http://HOST:PORT, got \"\(text)\"")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw CommandError("--target names the emulator only (http://HOST:PORT); put the path after storm instead of in \"\(text)\"")
        }
        self.host = host
        port = components.port ?? 80
    }

    var description: String { "http://\(host):\(port)" }
}
