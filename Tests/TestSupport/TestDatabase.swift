#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import ManagedPostgres
import Synchronization

/// One real PostgreSQL per test process, shared by every test that needs a
/// database and started on first use in a temporary directory on a free port.
///
/// It runs as a child of the test process with a parent-death signal, so it
/// ends with the process however that ends; at a normal exit it is also shut
/// down and its directory removed.
///
/// ```swift
/// let endpoints = try await TestDatabase.shared()
/// let count = try await psql("SELECT count(*) FROM pg_stat_activity", credentials: endpoints.superuser)
/// ```
public enum TestDatabase {
    /// `max_connections` of the shared server (3 of them reserved for the superuser).
    public static let maxConnections = 30

    /// Logger for test servers: errors only (the server's own ERROR and FATAL lines are warnings; start() errors carry the log).
    public static let logger: Logger = {
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .error
        return logger
    }()

    /// The shared server's endpoints; starts it on the first call.
    public static func shared() async throws -> ManagedPostgresEndpoints {
        try await startup.value
    }

    /// A configuration with settings that make tests fast (durability off).
    public static func configuration(
        stateDirectory: String, port: Int, maxConnections: Int, setupSQLFile: String? = nil
    ) -> ManagedPostgresConfiguration {
        ManagedPostgresConfiguration(
            stateDirectory: stateDirectory,
            port: port,
            maxConnections: maxConnections,
            setupSQLFile: setupSQLFile,
            serverSettings: ["fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"],
            shutdownTimeout: .seconds(10)
        )
    }

    private static let directoryPrefix = "emulator-test-db"

    private static let startup = Task<ManagedPostgresEndpoints, any Error> {
        removeAbandonedTemporaryDirectories(prefix: directoryPrefix)
        let directory = try makeTemporaryDirectory(prefix: directoryPrefix)
        let server = ManagedPostgres(
            configuration: configuration(
                stateDirectory: directory, port: try freePort(), maxConnections: maxConnections),
            logger: logger)
        do {
            let endpoints = try await server.start()
            let pid = await server.serverProcessID ?? 0
            exitCleanup.withLock {
                $0 = SharedServer(server: server, pid: pid, directory: directory, dataDirectory: server.dataDirectory)
            }
            atexit { TestDatabase.cleanUpAtExit() }
            return endpoints
        } catch {
            removeDirectory(directory)
            throw error
        }
    }

    /// What the exit handler stops and removes; the manager is kept alive
    /// with it so the server is not signalled early.
    private struct SharedServer: Sendable {
        let server: ManagedPostgres
        let pid: Int32
        let directory: String
        let dataDirectory: String
    }

    private static let exitCleanup = Mutex<SharedServer?>(nil)

    /// Fast shutdown, waits (up to 10 s) for the server to remove its pid
    /// file, then removes the directory.
    private static func cleanUpAtExit() {
        guard let shared = exitCleanup.withLock({ $0 }), shared.pid > 0 else { return }
        _ = kill(shared.pid, SIGINT)
        let pidFile = "\(shared.dataDirectory)/postmaster.pid"
        for _ in 0..<500 where FileManager.default.fileExists(atPath: pidFile) {
            usleep(20_000)
        }
        removeDirectory(shared.directory)
    }
}
