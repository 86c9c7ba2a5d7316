import EmulatorConfig
import Foundation
import Logging
import ManagedPostgres
import NIOCore
import NIOPosix
import PostgresPool

/// The database side of `serve`: the real database (the managed PostgreSQL
/// unless `database.url` names one) and the pool in front of it.
final class DatabaseStack: Sendable {
    /// The database itself: what direct mode hands to instances.
    let direct: PostgresURL
    /// The pool: what pooled mode hands to instances.
    let pooled: PostgresURL
    /// What the sampler watches the database through: the managed database's
    /// superuser (it may use the reserved slots), else the configured URL.
    let monitor: PostgresURL
    let pool: PostgresPool
    private let managed: ManagedPostgres?

    private init(direct: PostgresURL, pooled: PostgresURL, monitor: PostgresURL, pool: PostgresPool, managed: ManagedPostgres?) {
        self.direct = direct
        self.pooled = pooled
        self.monitor = monitor
        self.pool = pool
        self.managed = managed
    }

    /// Starts the database (when managed) and the pool.
    static func start(config: RuntimeConfig, database: DatabaseSettings, logger: Logger) async throws -> DatabaseStack {
        let managed: ManagedPostgres?
        let direct: PostgresURL
        let monitor: PostgresURL
        if let url = database.url {
            managed = nil
            direct = try PostgresURL(parsing: url)
            monitor = direct
        } else {
            let postgres = ManagedPostgres(configuration: managedConfiguration(config, database), logger: logger)
            let endpoints = try await postgres.start()
            managed = postgres
            direct = PostgresURL(credentials: endpoints.application)
            monitor = PostgresURL(credentials: endpoints.superuser)
        }
        let pool = PostgresPool(configuration: poolConfiguration(config.pool, upstream: direct.upstream), logger: logger)
        do {
            let port = try await pool.start()
            return DatabaseStack(
                direct: direct, pooled: direct.throughPool(port: port), monitor: monitor, pool: pool, managed: managed)
        } catch {
            await managed?.stop()
            throw CommandError("cannot start the pool on 127.0.0.1:\(config.pool.port): \(error)")
        }
    }

    /// Whether the database accepts TCP connections; a description of the failure when not.
    func probe() async -> String? {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(3))
                .connect(host: direct.host, port: direct.port).get()
            try? await channel.close()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Stops the pool, then the managed database.
    func stop() async {
        await pool.shutdown()
        await managed?.stop()
    }

    /// The URLs of a project's database without starting anything, for `emulator url`.
    static func storedURLs(config: RuntimeConfig, database: DatabaseSettings, logger: Logger) throws -> (direct: PostgresURL, pooled: PostgresURL) {
        let direct: PostgresURL
        if let url = database.url {
            direct = try PostgresURL(parsing: url)
        } else {
            let postgres = ManagedPostgres(configuration: managedConfiguration(config, database), logger: logger)
            guard let endpoints = try postgres.storedEndpoints() else {
                throw CommandError("no managed database in \(config.stateDirectory) yet: start the emulator once (swift run emulator)")
            }
            direct = PostgresURL(credentials: endpoints.application)
        }
        return (direct, direct.throughPool(port: config.pool.port))
    }

    static func managedConfiguration(_ config: RuntimeConfig, _ database: DatabaseSettings) -> ManagedPostgresConfiguration {
        ManagedPostgresConfiguration(
            stateDirectory: config.stateDirectory + "/postgres",
            port: database.managed.port,
            maxConnections: database.managed.maxConnections,
            setupSQLFile: database.setup)
    }

    static func poolConfiguration(_ settings: PoolSettings, upstream: UpstreamDatabase) -> PoolConfiguration {
        PoolConfiguration(
            port: settings.port,
            mode: settings.mode == .session ? .session : .transaction,
            maxServerConnections: settings.maxServerConnections,
            maxClientConnections: settings.maxClientConnections,
            acquireTimeout: .milliseconds(settings.acquireTimeoutMs),
            serverIdleTimeout: .milliseconds(Int64(settings.serverIdleTimeoutSeconds * 1000)),
            serverLifetime: .milliseconds(Int64(settings.serverLifetimeSeconds * 1000)),
            clientAuthentication: ClientAuthentication(settings.clientAuth),
            upstream: upstream)
    }
}

extension PostgresURL {
    init(credentials: DatabaseCredentials) {
        self.init(
            host: credentials.host, port: credentials.port, user: credentials.user,
            password: credentials.password, database: credentials.database)
    }
}

extension ClientAuthentication {
    init(_ method: ClientAuthMethod) {
        switch method {
        case .scramSHA256: self = .scramSHA256
        case .md5: self = .md5
        case .trust: self = .trust
        }
    }
}
