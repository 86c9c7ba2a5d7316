import NIOCore
import PostgresPool
import Synchronization

/// The endpoint's client connections to the pool, kept between requests per
/// login. A request takes an idle one (or opens one) for the duration of its
/// statement or batch and gives it back; only connections that are open and
/// outside a transaction are kept, at most ``maxIdlePerLogin`` per login.
///
/// Keeping connections saves a login per request; it does not bypass the
/// pool: each connection is an ordinary pool client, so the pool's server
/// connection cap, queue and wait timeout apply to every statement.
final class ConnectionKeeper: Sendable {
    private struct State {
        var idle: [Login: [WireConnection]] = [:]
        var isShutDown = false
    }

    private let host: String
    private let port: Int
    private let tls: UpstreamTLSSettings
    private let maxIdlePerLogin: Int
    private let group: any EventLoopGroup
    private let secrets = SaltedPasswords()
    private let state = Mutex(State())

    init(host: String, port: Int, tls: UpstreamTLSSettings = .disabled, maxIdlePerLogin: Int, group: any EventLoopGroup) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxIdlePerLogin = maxIdlePerLogin
        self.group = group
    }

    /// Runs `body` with a connection logged in as `login` and keeps the
    /// connection afterwards if it is still reusable.
    func withConnection<Result: Sendable>(
        _ login: Login, _ body: (WireConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await take(login)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            giveBack(connection, login)
            throw error
        }
        giveBack(connection, login)
        return result
    }

    /// Closes every idle connection; connections in use are closed when given back.
    func shutdown() {
        let idle = state.withLock { state in
            state.isShutDown = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        for connection in idle { connection.close() }
    }

    private func take(_ login: Login) async throws -> WireConnection {
        while let connection = state.withLock({ $0.idle[login]?.popLast() }) {
            if connection.isReusable { return connection }
            connection.close()
        }
        return try await WireConnection.open(
            host: host, port: port, tls: tls, login: login, secrets: secrets, group: group)
    }

    private func giveBack(_ connection: WireConnection, _ login: Login) {
        let kept = connection.isReusable && state.withLock { state in
            guard !state.isShutDown, state.idle[login, default: []].count < maxIdlePerLogin else { return false }
            state.idle[login, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }
}
