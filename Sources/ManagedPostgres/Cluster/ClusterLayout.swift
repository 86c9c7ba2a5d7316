/// Where the parts of a managed cluster live inside its state directory.
struct ClusterLayout: Sendable {
    /// The state directory (absolute).
    let stateDirectory: String

    /// PostgreSQL's data directory (`PGDATA`).
    var dataDirectory: String { "\(stateDirectory)/data" }
    /// The generated passwords, mode 0600.
    var passwordFile: String { "\(stateDirectory)/credentials.json" }
    /// Written once the cluster is fully set up (roles, database, setup SQL);
    /// a data directory without it is a half-made cluster.
    var readyMarker: String { "\(stateDirectory)/cluster-ready" }
    /// Holds the superuser's password for `initdb --pwfile` while it runs.
    var initdbPasswordFile: String { "\(stateDirectory)/initdb-password" }
    /// The SQL that creates role and database `app`, present only while it runs.
    var bootstrapSQLFile: String { "\(stateDirectory)/bootstrap.sql" }
    /// The server's lock file.
    var postmasterPidFile: String { "\(dataDirectory)/postmaster.pid" }

    /// Whether a previous start created the cluster completely.
    var isComplete: Bool {
        FileSystem.exists(readyMarker) && FileSystem.exists("\(dataDirectory)/PG_VERSION")
            && FileSystem.exists(passwordFile)
    }

    /// Whether anything of a cluster exists (complete or not).
    var hasAnyCluster: Bool {
        FileSystem.exists(dataDirectory) || FileSystem.exists(readyMarker)
    }

    /// Removes the data directory, the passwords and the marker, so that the
    /// next start creates the cluster from scratch.
    func removeCluster() throws {
        try FileSystem.remove(readyMarker)
        try FileSystem.remove(dataDirectory)
        try FileSystem.remove(passwordFile)
        try FileSystem.remove(initdbPasswordFile)
        try FileSystem.remove(bootstrapSQLFile)
    }
}
