import ChildProcess
import Foundation
import Logging

/// Creates a new cluster: `initdb`, password-only access, then (with the
/// server running) role and database `app` and the setup SQL.
struct ClusterCreator {
    let layout: ClusterLayout
    let binaries: PostgresBinaries
    let account: ServerAccount
    let logger: Logger

    /// Only password (SCRAM-SHA-256) connections over loopback TCP; no trust,
    /// no Unix socket.
    /// pg_hba.conf: `host` rules, or `hostssl` rules only when TLS is required.
    static func hostBasedAuthentication(requireTLS: Bool) -> String {
        let type = requireTLS ? "hostssl" : "host   "
        return """
            # Written by the emulator's managed PostgreSQL. Password (SCRAM-SHA-256) logins over loopback only\(requireTLS ? ", TLS only" : "").
            # TYPE  DATABASE  USER  ADDRESS        METHOD
            \(type) all       all   127.0.0.1/32   scram-sha-256
            \(type) all       all   ::1/128        scram-sha-256

            """
    }

    /// Writes pg_hba.conf for `tls` and copies its certificate and key into the data
    /// directory (owned by the server's account, the key 0600). Done at every start, so
    /// a changed setting or a renewed certificate applies on the next start.
    func configureTLS(_ tls: ManagedPostgresTLS?) throws {
        let data = layout.dataDirectory
        let hba = "\(data)/pg_hba.conf"
        try FileSystem.writePrivateFile(hba, contents: Data(Self.hostBasedAuthentication(requireTLS: tls?.requireTLS ?? false).utf8))
        try account.takeOwnership(of: hba, recursive: false)
        guard let tls else { return }
        for (source, name) in [(tls.certificatePath, "server.crt"), (tls.keyPath, "server.key")] {
            guard let contents = FileManager.default.contents(atPath: source) else {
                throw ManagedPostgresError.invalidConfiguration("tls: cannot read \(source)")
            }
            let target = "\(data)/\(name)"
            try FileSystem.writePrivateFile(target, contents: contents)
            try account.takeOwnership(of: target, recursive: false)
        }
    }

    /// Runs `initdb` with `passwords.superuser` for role `postgres`, then
    /// replaces its `pg_hba.conf`.
    func initializeDataDirectory(passwords: ClusterPasswords) async throws {
        let data = layout.dataDirectory
        try FileSystem.createDirectory(data)
        try FileSystem.setMode(data, 0o700)
        try account.takeOwnership(of: data, recursive: false)

        try FileSystem.writePrivateFile(layout.initdbPasswordFile, contents: Data((passwords.superuser + "\n").utf8))
        try account.takeOwnership(of: layout.initdbPasswordFile, recursive: false)
        defer { try? FileSystem.remove(layout.initdbPasswordFile) }

        logger.info("creating PostgreSQL cluster in \(data) (as \(account.name))")
        let spec = ProcessSpec(
            executable: binaries.initdb,
            arguments: [
                "-D", data, "-U", "postgres", "--pwfile=\(layout.initdbPasswordFile)",
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--locale=C", "--no-sync",
            ],
            workingDirectory: layout.stateDirectory,
            user: account.user,
            output: .pipe
        )
        let result = try await ChildProcess.run(spec)
        logger.debug("initdb: \(result.output)")
        guard result.status.isSuccess else {
            throw ManagedPostgresError.initdbFailed(output: "\(result.output)\n(\(result.status))")
        }
        try configureTLS(nil)
    }

    /// Creates role `app` (LOGIN, not a superuser) and its database `app`,
    /// connecting as the superuser.
    func createApplicationRole(password: String, superuser: DatabaseCredentials) async throws {
        let literal = "'" + password.replacingOccurrences(of: "'", with: "''") + "'"
        let sql = """
            CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD \(literal);
            CREATE DATABASE app OWNER app;

            """
        // A file of mode 0600 keeps the password off every command line.
        try FileSystem.writePrivateFile(layout.bootstrapSQLFile, contents: Data(sql.utf8))
        defer { try? FileSystem.remove(layout.bootstrapSQLFile) }
        var connection = superuser
        connection.database = "postgres"
        let result = try await Psql(binaries: binaries).run(file: layout.bootstrapSQLFile, credentials: connection)
        guard result.succeeded else { throw ManagedPostgresError.bootstrapFailed(output: result.output) }
    }

    /// Applies the setup SQL file as role `app` to database `app`.
    func applySetup(file: String, application: DatabaseCredentials) async throws {
        logger.info("applying setup SQL \(file)")
        let result = try await Psql(binaries: binaries).run(file: file, credentials: application)
        guard result.succeeded else { throw ManagedPostgresError.setupFailed(path: file, output: result.output) }
        if !result.output.isEmpty { logger.info("setup SQL: \(result.output)") }
    }
}
