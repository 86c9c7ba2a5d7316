#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What the managed PostgreSQL cluster looks like and where it lives.
///
/// The server's settings are passed on its command line at every start, so a
/// changed `port`, `maxConnections` or `reservedConnections` applies on the
/// next start without editing any file in the cluster.
public struct ManagedPostgresConfiguration: Sendable {
    /// Directory that holds everything of the cluster: the data directory
    /// (`data/`), the generated passwords (`credentials.json`, mode 0600) and
    /// the marker of a completed setup. Created when missing. A relative path
    /// is taken relative to the current directory.
    public var stateDirectory: String
    /// TCP port the server listens on, on 127.0.0.1 only.
    public var port: Int
    /// The server's `max_connections`, including the reserved ones.
    public var maxConnections: Int
    /// Connection slots only the superuser may use (`superuser_reserved_connections`),
    /// so monitoring still gets in when the application role has used up the rest.
    public var reservedConnections: Int
    /// A SQL file applied once, right after the cluster is created, to database
    /// `app` as role `app`. When it fails, the new cluster is removed so the
    /// next start tries again. A relative path is taken relative to the
    /// current directory.
    public var setupSQLFile: String?
    /// Further server settings (`-c name=value`), e.g. `fsync=off` for tests.
    /// They may not override the settings this module manages itself.
    public var serverSettings: [String: String]
    /// The operating-system account the server runs as when the host runs as
    /// root (PostgreSQL refuses to run as root). Ignored otherwise.
    public var serverAccount: String
    /// How long to wait for the server to accept connections.
    public var startupTimeout: Duration
    /// How long a fast shutdown may take before the server is forced down.
    public var shutdownTimeout: Duration
    /// The PostgreSQL programs to use; `nil` finds them with ``PostgresBinaries/locate(searchPath:installRoot:)``.
    public var binaries: PostgresBinaries?
    /// TLS (`ssl=on`) with this certificate, or nil for plain connections only.
    public var tls: ManagedPostgresTLS?

    /// Creates a configuration; see the properties for the meaning of each argument.
    public init(
        stateDirectory: String,
        port: Int,
        maxConnections: Int,
        reservedConnections: Int = 3,
        setupSQLFile: String? = nil,
        serverSettings: [String: String] = [:],
        serverAccount: String = "postgres",
        startupTimeout: Duration = .seconds(60),
        shutdownTimeout: Duration = .seconds(30),
        binaries: PostgresBinaries? = nil,
        tls: ManagedPostgresTLS? = nil
    ) {
        self.stateDirectory = stateDirectory
        self.port = port
        self.maxConnections = maxConnections
        self.reservedConnections = reservedConnections
        self.setupSQLFile = setupSQLFile
        self.serverSettings = serverSettings
        self.serverAccount = serverAccount
        self.startupTimeout = startupTimeout
        self.shutdownTimeout = shutdownTimeout
        self.binaries = binaries
        self.tls = tls
    }

    /// Settings the module sets itself; ``serverSettings`` may not name them.
    static let managedSettings: Set<String> = [
        "listen_addresses", "port", "max_connections", "superuser_reserved_connections",
        "unix_socket_directories", "password_encryption", "hba_file", "data_directory",
        "logging_collector", "log_destination", "ssl", "ssl_cert_file", "ssl_key_file",
    ]

    /// Throws ``ManagedPostgresError/invalidConfiguration(_:)`` naming the first bad value.
    func validate() throws {
        func invalid(_ message: String) -> ManagedPostgresError { .invalidConfiguration(message) }
        if stateDirectory.isEmpty { throw invalid("stateDirectory is empty") }
        if !(1...65535).contains(port) { throw invalid("port \(port) is not between 1 and 65535") }
        if !(1...262_143).contains(maxConnections) {
            throw invalid("maxConnections \(maxConnections) is not between 1 and 262143")
        }
        if reservedConnections < 0 || reservedConnections >= maxConnections {
            throw invalid(
                "reservedConnections \(reservedConnections) must be at least 0 and less than maxConnections (\(maxConnections))"
            )
        }
        for name in serverSettings.keys.sorted() {
            let isIdentifier = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
            if !isIdentifier { throw invalid("serverSettings: '\(name)' is not a PostgreSQL setting name") }
            if Self.managedSettings.contains(name.lowercased()) {
                throw invalid("serverSettings: '\(name)' is managed by the emulator and cannot be overridden")
            }
        }
    }

    /// ``stateDirectory`` as an absolute, normalized path.
    var absoluteStateDirectory: String {
        let url = URL(fileURLWithPath: stateDirectory, isDirectory: true)
        return url.standardizedFileURL.path
    }
}

/// The managed server's TLS: its certificate and key (copied into the data directory
/// at every start, where PostgreSQL wants the key: owned by the server's account, 0600).
public struct ManagedPostgresTLS: Sendable, Equatable {
    /// PEM certificate (chain) the server presents.
    public var certificatePath: String
    /// Its PEM private key.
    public var keyPath: String
    /// Only TLS connections are accepted (`hostssl` rules in pg_hba.conf), as cloud databases do.
    public var requireTLS: Bool

    public init(certificatePath: String, keyPath: String, requireTLS: Bool = false) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.requireTLS = requireTLS
    }
}
