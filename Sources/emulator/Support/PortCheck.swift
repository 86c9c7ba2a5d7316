import Foundation

/// Checks, before anything starts, that the loopback ports the emulator will
/// listen on are free, so that a port in use stops it with the port and the
/// setting that chose it instead of a bare `bind(...) (errno: 98)`.
enum PortCheck {
    /// A port, and the setting that chose it (`port`, `pool.port`, `--port`, ...).
    struct Claim {
        var port: Int
        var setting: String
    }

    /// Throws naming the first of `claims` whose port is in use; port 0 (any free port) is never in use.
    static func ensureFree(_ claims: [Claim]) throws {
        for claim in claims where claim.port != 0 {
            guard isInUse(claim.port) else { continue }
            throw CommandError(
                "port \(claim.port) (\(claim.setting)) is already in use on 127.0.0.1 by another process; "
                    + "stop it, or choose another port in \(claim.setting) (0 picks a free one)")
        }
    }

    /// Whether binding 127.0.0.1:`port` fails with "address in use" (as the
    /// servers bind: with SO_REUSEADDR, so a port in TIME_WAIT counts as free).
    static func isInUse(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound != 0 && errno == EADDRINUSE
    }
}
