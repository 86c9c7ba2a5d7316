#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildProcess
import Foundation
import Logging

/// A private PostgreSQL cluster run by the host.
///
/// On first use ``start()`` creates the cluster in the configuration's state
/// directory (`initdb`, SCRAM-SHA-256 password logins over loopback only,
/// generated passwords, a superuser `postgres` and an application role `app`
/// owning database `app`, the setup SQL); later starts reuse it. The server
/// runs as a direct child of the host that gets SIGINT (fast shutdown) when
/// the host dies, so it never outlives it. When the host is root, the server
/// runs as the configuration's ``ManagedPostgresConfiguration/serverAccount``.
///
/// ```swift
/// let database = ManagedPostgres(configuration: .init(
///     stateDirectory: ".emulator/postgres", port: 54329, maxConnections: 40), logger: logger)
/// let endpoints = try await database.start()
/// print(endpoints.application.redactedURL)
/// await database.stop()
/// ```
public actor ManagedPostgres {
    /// What this instance manages.
    public nonisolated let configuration: ManagedPostgresConfiguration
    private let logger: Logger
    private var running: (server: PostgresServer, endpoints: ManagedPostgresEndpoints)?
    private var starting: Task<ManagedPostgresEndpoints, any Error>?
    /// A server being shut down by ``stop()``; a new start waits for it.
    private var stopping: PostgresServer?

    /// Creates the manager; nothing happens until ``start()``.
    public init(configuration: ManagedPostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit {
        running?.server.process.signal(SIGINT)
    }

    /// Starts the server (creating the cluster on first use) and returns once
    /// it accepts connections. Returns the same endpoints when it already runs.
    /// Throws ``ManagedPostgresError`` with a clear message otherwise.
    public func start() async throws -> ManagedPostgresEndpoints {
        if let running, running.server.process.exitStatus == nil { return running.endpoints }
        running = nil
        if let starting { return try await starting.value }
        let task = Task { try await self.startServer() }
        starting = task
        defer { starting = nil }
        return try await task.value
    }

    /// Stops the server: fast shutdown, forced after the configured timeout.
    /// Returns once the server process has exited; does nothing when it is not running.
    public func stop() async {
        if let starting { _ = try? await starting.value }
        guard let server = running?.server ?? stopping else { return }
        running = nil
        stopping = server
        logger.info("stopping PostgreSQL (pid \(server.process.pid))")
        await server.stop(timeout: configuration.shutdownTimeout)
        if stopping === server { stopping = nil }
    }

    /// The endpoints of the cluster in the state directory, read from its
    /// password file without starting anything (e.g. to print the URL while
    /// another process runs the server); `nil` when no complete cluster exists.
    public nonisolated func storedEndpoints() throws -> ManagedPostgresEndpoints? {
        let layout = ClusterLayout(stateDirectory: configuration.absoluteStateDirectory)
        guard layout.isComplete else { return nil }
        return makeEndpoints(try ClusterPasswords.load(from: layout.passwordFile))
    }

    /// The server's process id while it runs.
    public var serverProcessID: Int32? {
        guard let running, running.server.process.exitStatus == nil else { return nil }
        return running.server.process.pid
    }

    /// The cluster's data directory (`<stateDirectory>/data`).
    public nonisolated var dataDirectory: String {
        ClusterLayout(stateDirectory: configuration.absoluteStateDirectory).dataDirectory
    }

    private func startServer() async throws -> ManagedPostgresEndpoints {
        if let stopping { await stopping.stop(timeout: configuration.shutdownTimeout) }
        try configuration.validate()
        let binaries = try configuration.binaries ?? PostgresBinaries.locate()
        let account = try ServerAccount.resolve(accountName: configuration.serverAccount)
        let layout = ClusterLayout(stateDirectory: configuration.absoluteStateDirectory)
        try account.prepareStateDirectory(layout.stateDirectory)
        try account.checkCanReach(layout.dataDirectory)
        if FileSystem.exists(layout.postmasterPidFile) {
            try PostmasterLock.clearStale(
                pidFile: layout.postmasterPidFile, dataDirectory: layout.dataDirectory, logger: logger)
        }
        let creator = ClusterCreator(layout: layout, binaries: binaries, account: account, logger: logger)

        let (passwords, isNew) = try await openCluster(layout: layout, account: account, creator: creator)
        let endpoints = makeEndpoints(passwords)
        try creator.configureTLS(configuration.tls)
        let commandLine = ServerCommandLine(dataDirectory: layout.dataDirectory, configuration: configuration)
        let server = try await PostgresServer.spawn(
            binaries: binaries, commandLine: commandLine, account: account, logger: logger)
        logger.info("PostgreSQL starting (pid \(server.process.pid)) on 127.0.0.1:\(configuration.port), max_connections \(configuration.maxConnections)")
        do {
            try await server.waitUntilReady(binaries: binaries, timeout: configuration.startupTimeout)
            if isNew {
                try await creator.createApplicationRole(password: passwords.application, superuser: endpoints.superuser)
                if let setup = configuration.setupSQLFile {
                    try await creator.applySetup(file: absolutePath(setup), application: endpoints.application)
                }
                try FileSystem.writePrivateFile(
                    layout.readyMarker, contents: Data("created \(Date())\n".utf8))
            }
        } catch {
            await server.stop(timeout: configuration.shutdownTimeout)
            if isNew { try? layout.removeCluster() }
            throw error
        }
        logger.info("PostgreSQL ready: \(endpoints.application.redactedURL)")
        server.reportUnexpectedExit(to: logger)
        running = (server, endpoints)
        return endpoints
    }

    /// The passwords of the existing cluster, or of a new one made with
    /// `initdb` (replacing the remains of one whose setup never finished).
    private func openCluster(
        layout: ClusterLayout, account: ServerAccount, creator: ClusterCreator
    ) async throws -> (passwords: ClusterPasswords, isNew: Bool) {
        if layout.isComplete {
            let passwords = try ClusterPasswords.load(from: layout.passwordFile)
            try account.adoptDataDirectory(layout.dataDirectory)
            return (passwords, false)
        }
        if layout.hasAnyCluster {
            logger.warning("removing the incomplete PostgreSQL cluster in \(layout.stateDirectory) to create it again")
            try layout.removeCluster()
        }
        try checkSetupFileReadable()
        let passwords = ClusterPasswords.generate()
        do {
            try passwords.save(to: layout.passwordFile)
            try await creator.initializeDataDirectory(passwords: passwords)
        } catch {
            try? layout.removeCluster()
            throw error
        }
        return (passwords, true)
    }

    private nonisolated func makeEndpoints(_ passwords: ClusterPasswords) -> ManagedPostgresEndpoints {
        func credentials(_ user: String, _ password: String) -> DatabaseCredentials {
            DatabaseCredentials(host: "127.0.0.1", port: configuration.port, user: user, password: password, database: "app")
        }
        return ManagedPostgresEndpoints(
            application: credentials("app", passwords.application),
            superuser: credentials("postgres", passwords.superuser))
    }

    private func checkSetupFileReadable() throws {
        guard let setup = configuration.setupSQLFile else { return }
        let path = absolutePath(setup)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isReadableFile(atPath: path)
        else { throw ManagedPostgresError.setupFileUnreadable(path: path) }
    }

    private func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
