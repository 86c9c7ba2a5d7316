/// The `postgres` command line for a configuration: every managed setting is
/// a `-c` option, so a change applies on the next start without touching the
/// cluster's files.
struct ServerCommandLine {
    let dataDirectory: String
    let configuration: ManagedPostgresConfiguration

    /// Settings in the order they are passed.
    var settings: [(name: String, value: String)] {
        var settings: [(String, String)] = [
            ("listen_addresses", "127.0.0.1"),
            ("port", String(configuration.port)),
            ("max_connections", String(configuration.maxConnections)),
            ("superuser_reserved_connections", String(configuration.reservedConnections)),
            // No Unix socket: nothing needs /var/run/postgresql, all clients use TCP.
            ("unix_socket_directories", ""),
            ("password_encryption", "scram-sha-256"),
            ("logging_collector", "off"),
            ("log_destination", "stderr"),
            ("log_line_prefix", "[%p] "),
        ]
        if configuration.tls != nil {
            // Copied there by ClusterCreator.installCertificate at every start.
            settings += [("ssl", "on"), ("ssl_cert_file", "server.crt"), ("ssl_key_file", "server.key")]
        }
        let extra = configuration.serverSettings.sorted { $0.key < $1.key }
        settings.removeAll { setting in extra.contains { $0.key == setting.0 } }
        return settings + extra.map { ($0.key, $0.value) }
    }

    /// `argv[1...]` of the server.
    var arguments: [String] {
        ["-D", dataDirectory] + settings.flatMap { ["-c", "\($0.name)=\($0.value)"] }
    }
}
