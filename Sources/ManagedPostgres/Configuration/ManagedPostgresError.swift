/// Why the managed PostgreSQL could not be started.
public enum ManagedPostgresError: Error, Equatable, CustomStringConvertible {
    /// A configuration value is out of range or otherwise unusable.
    case invalidConfiguration(String)
    /// The PostgreSQL programs were not found; `searched` lists where they were looked for.
    case binariesNotFound(searched: [String])
    /// The host runs as root and the unprivileged account to run the server as does not exist.
    case serverAccountMissing(account: String)
    /// The account the server runs as cannot reach the data directory through `directory`.
    case directoryNotTraversable(directory: String, account: String)
    /// The data directory belongs to another user than the one the server runs as.
    case dataDirectoryOwnedByOtherUser(directory: String, ownerUID: UInt32, serverUID: UInt32)
    /// A PostgreSQL server is already running on the data directory.
    case alreadyRunning(pid: Int32, dataDirectory: String)
    /// The cluster exists but its password file is missing or unreadable.
    case credentialsUnreadable(path: String, reason: String)
    /// The setup SQL file does not exist or cannot be read.
    case setupFileUnreadable(path: String)
    /// `initdb` failed; `output` is what it printed.
    case initdbFailed(output: String)
    /// Creating the application role and database failed.
    case bootstrapFailed(output: String)
    /// The setup SQL file failed; `output` is psql's message. The new cluster was removed.
    case setupFailed(path: String, output: String)
    /// The server exited while starting; `log` holds its last log lines.
    case serverExited(status: String, log: [String])
    /// The server did not accept connections in time; `log` holds its last log lines.
    case startupTimedOut(seconds: Double, port: Int, log: [String])
    /// A file-system step failed.
    case fileSystem(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "managed PostgreSQL: invalid configuration: \(message)"
        case .binariesNotFound(let searched):
            return """
                managed PostgreSQL: the PostgreSQL server programs (postgres, initdb, psql, pg_isready) \
                were not found in \(searched.joined(separator: ", ")). Install them, e.g. \
                `apt-get install postgresql` (Debian/Ubuntu; or a versioned package such as postgresql-15), \
                `brew install postgresql@15` (macOS), or configure database.url to use an existing server.
                """
        case .serverAccountMissing(let account):
            return """
                managed PostgreSQL: PostgreSQL refuses to run as root and the account '\(account)' to run it as \
                does not exist. Create it (`useradd --system --home-dir /var/lib/postgresql \(account)`; \
                installing the Debian package postgresql creates it) or run the emulator as a normal user.
                """
        case .directoryNotTraversable(let directory, let account):
            return """
                managed PostgreSQL: the server runs as '\(account)', which cannot enter \(directory) on the way \
                to its data directory. Allow it (`chmod o+x \(directory)`) or keep the project somewhere \
                '\(account)' can reach.
                """
        case .dataDirectoryOwnedByOtherUser(let directory, let owner, let server):
            return """
                managed PostgreSQL: the data directory \(directory) belongs to uid \(owner), but the server runs \
                as uid \(server) and cannot take it over. Start the emulator as the same user as before, or \
                delete the directory to create a new cluster.
                """
        case .alreadyRunning(let pid, let dataDirectory):
            return """
                managed PostgreSQL: a PostgreSQL server (pid \(pid)) is already running on \(dataDirectory). \
                Stop it (`kill -INT \(pid)`) or use another state directory.
                """
        case .credentialsUnreadable(let path, let reason):
            return """
                managed PostgreSQL: cannot read the cluster's passwords from \(path): \(reason). \
                Delete the state directory to create a new cluster.
                """
        case .setupFileUnreadable(let path):
            return "managed PostgreSQL: the setup SQL file \(path) does not exist or cannot be read"
        case .initdbFailed(let output):
            return "managed PostgreSQL: initdb failed:\n\(output)"
        case .bootstrapFailed(let output):
            return "managed PostgreSQL: creating role and database 'app' failed:\n\(output)"
        case .setupFailed(let path, let output):
            return """
                managed PostgreSQL: the setup SQL \(path) failed; the new cluster was removed and the next \
                start tries again. psql said:
                \(output)
                """
        case .serverExited(let status, let log):
            return "managed PostgreSQL: the server exited while starting (\(status)). Last log lines:\n"
                + log.joined(separator: "\n")
        case .startupTimedOut(let seconds, let port, let log):
            return "managed PostgreSQL: the server did not accept connections on 127.0.0.1:\(port) within "
                + "\(seconds) s. Last log lines:\n" + log.joined(separator: "\n")
        case .fileSystem(let message):
            return "managed PostgreSQL: \(message)"
        }
    }
}
