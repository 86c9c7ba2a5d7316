import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ManagedPostgres
import PostgresPool
import SQLOverHTTP
import TestSupport

/// A pool in front of the shared test database and the SQL-over-HTTP
/// endpoint in front of the pool, both on free ports, for one test.
struct EndpointHarness {
    let pool: PostgresPool
    let endpoint: SQLOverHTTPEndpoint
    /// `http://127.0.0.1:PORT/sql`.
    let url: URL
    /// The database's credentials, as a Neon connection string naming the pool.
    let connectionString: String
    /// The database itself, for checking what the endpoint left behind.
    let database: DatabaseCredentials

    static let logger: Logger = {
        var logger = Logger(label: "sql-over-http-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a fresh pool and endpoint, shut down afterwards.
    static func with<Result>(
        maxServerConnections: Int = 10,
        acquireTimeout: Duration = .seconds(5),
        maxRequestBytes: Int = 10 * 1024 * 1024,
        maxResponseBytes: Int = 10 * 1024 * 1024,
        clientTLS: ClientTLSSettings = .off,
        poolTLS: UpstreamTLSSettings = .disabled,
        _ body: (EndpointHarness) async throws -> Result
    ) async throws -> Result {
        let database = try await TestDatabase.shared().application
        let pool = PostgresPool(
            configuration: PoolConfiguration(
                port: 0, maxServerConnections: maxServerConnections, acquireTimeout: acquireTimeout,
                upstream: UpstreamDatabase(
                    host: database.host, port: database.port, user: database.user, password: database.password,
                    database: database.database),
                clientTLS: clientTLS),
            logger: logger)
        let poolPort = try await pool.start()
        let endpoint = SQLOverHTTPEndpoint(
            configuration: SQLOverHTTPConfiguration(
                port: 0, poolPort: poolPort, maxRequestBytes: maxRequestBytes, maxResponseBytes: maxResponseBytes,
                poolTLS: poolTLS),
            logger: logger)
        let port: Int
        do {
            port = try await endpoint.start()
        } catch {
            await pool.shutdown()
            throw error
        }
        let harness = EndpointHarness(
            pool: pool, endpoint: endpoint, url: URL(string: "http://127.0.0.1:\(port)/sql")!,
            connectionString: "postgresql://\(database.user):\(database.password)@127.0.0.1:\(poolPort)/\(database.database)",
            database: database)
        do {
            let result = try await body(harness)
            await endpoint.shutdown()
            await pool.shutdown()
            return result
        } catch {
            await endpoint.shutdown()
            await pool.shutdown()
            throw error
        }
    }

    /// POSTs `body` (a JSON value, or raw bytes) to `/sql` with the
    /// connection string and `headers`; returns the status, the headers and the JSON answer.
    func post(
        _ body: Any, headers: [String: String] = [:], connectionString: String? = nil, path: String = "/sql",
        method: String = "POST"
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: path, relativeTo: url)!)
        request.httpMethod = method
        request.httpBody = try (body as? Data) ?? JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(connectionString ?? self.connectionString, forHTTPHeaderField: "Neon-Connection-String")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, headers: http.allHeaderFields as? [String: String] ?? [:], data: data)
    }

    /// A table of the test's own, so that tests running side by side do not meet.
    func makeTable(_ columns: String) async throws -> String {
        let name = "http_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        _ = try await psql("CREATE TABLE \(name) (\(columns))", credentials: database)
        return name
    }
}

/// An answer of the endpoint.
struct Reply: Sendable {
    var status: Int
    var headers: [String: String]
    var data: Data

    /// The answer as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// `rows` of a single statement's answer.
    var rows: [Any] { json["rows"] as? [Any] ?? [] }

    var text: String { String(decoding: data, as: UTF8.self) }
}
