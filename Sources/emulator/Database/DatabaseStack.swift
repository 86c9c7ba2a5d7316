import EmulatorConfig
import Foundation
import LocalTLS
import Logging
import ManagedPostgres
import NIOCore
import NIOPosix
import PostgresPool
import SQLOverHTTP

/// The database side of `serve`: the real database (the managed PostgreSQL
/// unless `database.url` names one), the pool in front of it, and the
/// SQL-over-HTTP endpoint in front of the pool (unless `"sqlOverHTTP": null`).
final class DatabaseStack: Sendable {
    /// The database itself: what direct mode hands to instances.
    let direct: PostgresURL
    /// The pool: what pooled mode hands to instances.
    let pooled: PostgresURL
    /// What the sampler watches the database through: the managed database's
    /// superuser (it may use the reserved slots), else the configured URL.
    let monitor: PostgresURL
    let pool: PostgresPool
    /// The SQL-over-HTTP endpoint and its URL (`http://127.0.0.1:PORT/sql`), nil when disabled.
    let sqlOverHTTP: (endpoint: SQLOverHTTPEndpoint, url: String)?
    private let managed: ManagedPostgres?

    private init(
        direct: PostgresURL, pooled: PostgresURL, monitor: PostgresURL, pool: PostgresPool,
        sqlOverHTTP: (endpoint: SQLOverHTTPEndpoint, url: String)?, managed: ManagedPostgres?
    ) {
        self.direct = direct
        self.pooled = pooled
        self.monitor = monitor
        self.pool = pool
        self.sqlOverHTTP = sqlOverHTTP
        self.managed = managed
    }

    /// Starts the database (when managed), the pool and the SQL-over-HTTP endpoint.
    static func start(config: RuntimeConfig, database: DatabaseSettings, logger: Logger) async throws -> DatabaseStack {
        let managed: ManagedPostgres?
        let direct: PostgresURL
        let monitor: PostgresURL
        if let url = database.url {
            managed = nil
            direct = try PostgresURL(parsing: url)
            monitor = direct
        } else {
            var configuration = managedConfiguration(config, database)
            if database.managed.tls {
                let authority = try localAuthority(config)
                configuration.tls = ManagedPostgresTLS(certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath)
            }
            let postgres = ManagedPostgres(configuration: configuration, logger: logger)
            let endpoints = try await postgres.start()
            managed = postgres
            direct = PostgresURL(credentials: endpoints.application)
            monitor = PostgresURL(credentials: endpoints.superuser)
        }
        let clientTLS: ClientTLSSettings
        do {
            clientTLS = try Self.clientTLS(config)
        } catch {
            await managed?.stop()
            throw error
        }
        let pool = PostgresPool(
            configuration: poolConfiguration(config.pool, upstream: direct.upstream, clientTLS: clientTLS), logger: logger)
        let port: Int
        do {
            port = try await pool.start()
        } catch let error as TLSSettingsError {
            await managed?.stop()
            throw CommandError("\(error)")
        } catch {
            await managed?.stop()
            throw CommandError("cannot start the pool on 127.0.0.1:\(config.pool.port): \(error)")
        }
        // A certificate that does not verify is an error now, not at the first query.
        if let failure = await Self.tlsFailure(direct) {
            await pool.shutdown()
            await managed?.stop()
            throw CommandError("database.url: \(failure)")
        }
        var sqlOverHTTP: (endpoint: SQLOverHTTPEndpoint, url: String)?
        if let settings = config.sqlOverHTTP {
            let endpoint = SQLOverHTTPEndpoint(
                configuration: SQLOverHTTPConfiguration(
                    port: settings.port, poolPort: port, maxRequestBytes: settings.maxRequestBytes,
                    maxResponseBytes: settings.maxResponseBytes,
                    // A pool that requires TLS requires it of this in-process client too.
                    poolTLS: clientTLS.mode == .require
                        ? UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(try localAuthority(config).caCertificatePath))
                        : .disabled),
                logger: logger)
            // Without it the database still serves every function that does not use it.
            do {
                sqlOverHTTP = (endpoint, "http://127.0.0.1:\(try await endpoint.start())/sql")
            } catch {
                logger.error("SQL over HTTP is off: cannot listen on 127.0.0.1:\(settings.port) (\(error)); set sqlOverHTTP.port in runtime.json")
            }
        }
        return DatabaseStack(
            direct: direct, pooled: direct.throughPool(port: port), monitor: monitor, pool: pool,
            sqlOverHTTP: sqlOverHTTP, managed: managed)
    }

    /// The emulator's CA and certificate under `.emulator/tls/` (made on first use), for the pool.
    static func clientTLS(_ config: RuntimeConfig) throws -> ClientTLSSettings {
        guard config.pool.tls != .off else { return .off }
        let authority = try localAuthority(config)
        let mode: ClientTLSMode = config.pool.tls == .require ? .require : .allow
        return ClientTLSSettings(mode: mode, certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath)
    }

    /// The emulator's own CA (`.emulator/tls/`), made on first use; it vouches for the pool
    /// and for the managed PostgreSQL.
    static func localAuthority(_ config: RuntimeConfig) throws -> LocalCertificateAuthority {
        do {
            return try LocalCertificateAuthority.loadOrCreate(in: config.stateDirectory + "/tls")
        } catch {
            throw CommandError("TLS (pool.tls, database.managed.tls): \(error)")
        }
    }

    /// Settles TLS with the database once, as the pool will; the failure when it is a
    /// TLS failure (an unreachable database is reported by `probe()`, and may come up later).
    private static func tlsFailure(_ url: PostgresURL) async -> String? {
        guard let tls = try? UpstreamTLSContext(settings: url.tls, host: url.host) else { return nil }
        do {
            _ = try await tls.probe(port: url.port)
            return nil
        } catch let error as UpstreamTLSError {
            return error.description
        } catch {
            return nil
        }
    }

    /// Whether the database accepts TCP connections; a description of the failure when not.
    func probe() async -> String? {
        await Self.connectFailure(host: direct.host, port: direct.port)
    }

    /// Whether something accepts TCP connections at `host`:`port`.
    static func accepts(host: String, port: Int) async -> Bool {
        await connectFailure(host: host, port: port) == nil
    }

    private static func connectFailure(host: String, port: Int) async -> String? {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(3))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Stops the SQL-over-HTTP endpoint, the pool, then the managed database.
    func stop() async {
        await sqlOverHTTP?.endpoint.shutdown()
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

    static func poolConfiguration(
        _ settings: PoolSettings, upstream: UpstreamDatabase, clientTLS: ClientTLSSettings = .off
    ) -> PoolConfiguration {
        PoolConfiguration(
            port: settings.port,
            mode: settings.mode == .session ? .session : .transaction,
            maxServerConnections: settings.maxServerConnections,
            maxClientConnections: settings.maxClientConnections,
            acquireTimeout: .milliseconds(settings.acquireTimeoutMs),
            serverIdleTimeout: .milliseconds(Int64(settings.serverIdleTimeoutSeconds * 1000)),
            serverLifetime: .milliseconds(Int64(settings.serverLifetimeSeconds * 1000)),
            clientAuthentication: ClientAuthentication(settings.clientAuth),
            maxPreparedStatements: settings.maxPreparedStatements,
            upstream: upstream,
            clientTLS: clientTLS)
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
