import Foundation
import Logging
import ManagedPostgres
import Synchronization

/// A throwaway PostgreSQL cluster for one test: a temporary state directory
/// and a free port. Servers made with ``server(maxConnections:setupSQLFile:)``
/// share both (like the host's restarts do) and are all stopped by
/// ``destroy()``, which also removes the directory.
///
/// ```swift
/// try await withTemporaryCluster { cluster in
///     let endpoints = try await cluster.server().start()
///     #expect(try await psql("SELECT 1", credentials: endpoints.application) == "1")
/// }
/// ```
public final class TemporaryCluster: Sendable {
    /// The cluster's state directory.
    public let stateDirectory: String
    /// The port every server of this cluster listens on.
    public let port: Int
    private let servers = Mutex<[ManagedPostgres]>([])
    private static let prefix = "emulator-pg"

    /// Makes the directory and picks the port; starts nothing.
    public init() throws {
        removeAbandonedTemporaryDirectories(prefix: Self.prefix)
        stateDirectory = try makeTemporaryDirectory(prefix: Self.prefix)
        port = try freePort()
    }

    /// A configuration for this cluster with settings that make tests fast
    /// (`fsync=off`, `synchronous_commit=off`, `full_page_writes=off`).
    public func configuration(
        maxConnections: Int = 20, setupSQLFile: String? = nil, tls: ManagedPostgresTLS? = nil
    ) -> ManagedPostgresConfiguration {
        var configuration = TestDatabase.configuration(
            stateDirectory: stateDirectory, port: port, maxConnections: maxConnections, setupSQLFile: setupSQLFile)
        configuration.tls = tls
        return configuration
    }

    /// A new manager for this cluster (not started), stopped by ``destroy()``.
    public func server(maxConnections: Int = 20, setupSQLFile: String? = nil, tls: ManagedPostgresTLS? = nil) -> ManagedPostgres {
        let server = ManagedPostgres(
            configuration: configuration(maxConnections: maxConnections, setupSQLFile: setupSQLFile, tls: tls),
            logger: TestDatabase.logger)
        servers.withLock { $0.append(server) }
        return server
    }

    /// Stops every server made here and removes the state directory.
    public func destroy() async {
        for server in servers.withLock({ $0 }) { await server.stop() }
        removeDirectory(stateDirectory)
    }
}

/// Runs `body` with a new ``TemporaryCluster`` and destroys it afterwards,
/// also when `body` throws.
public func withTemporaryCluster<Result>(
    _ body: (TemporaryCluster) async throws -> Result
) async throws -> Result {
    let cluster = try TemporaryCluster()
    do {
        let result = try await body(cluster)
        await cluster.destroy()
        return result
    } catch {
        await cluster.destroy()
        throw error
    }
}
