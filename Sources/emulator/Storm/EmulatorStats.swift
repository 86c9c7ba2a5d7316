import Foundation
import NIOCore

/// What a storm reads from `GET /_emulator/stats`.
struct EmulatorStats: Sendable {
    /// `mode`: `pooled` or `direct` (nil if the host does not say).
    var mode: String?
    /// The sum of `functions.*.instances.total`.
    var instances = 0
    /// The sum of `functions.*.coldStarts`.
    var coldStarts = 0
    /// `database.connections`; nil without a database or before it was sampled.
    var databaseConnections: Int?
    /// `database.maxConnections`; nil without a database.
    var databaseMaxConnections: Int?
    /// `database.connectionsOpened`: backends the database started since the emulator
    /// did; nil without a database or on PostgreSQL before 14.
    var databaseConnectionsOpened: Int?
    /// The pool's own database connections (`pool.serverConnections` active,
    /// idle and connecting); nil without a pool.
    var poolServerConnections: Int?

    /// Reads the stats document; throws if it is not a JSON object.
    init(json body: ByteBuffer) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            throw CommandError("GET /_emulator/stats did not answer a JSON object")
        }
        mode = object["mode"] as? String
        for case let function as [String: Any] in (object["functions"] as? [String: Any] ?? [:]).values {
            instances += (function["instances"] as? [String: Any])?["total"] as? Int ?? 0
            coldStarts += function["coldStarts"] as? Int ?? 0
        }
        let database = object["database"] as? [String: Any]
        databaseConnections = database?["connections"] as? Int
        databaseMaxConnections = database?["maxConnections"] as? Int
        databaseConnectionsOpened = database?["connectionsOpened"] as? Int
        if let server = (object["pool"] as? [String: Any])?["serverConnections"] as? [String: Any] {
            poolServerConnections = ["active", "idle", "connecting"].reduce(0) { $0 + (server[$1] as? Int ?? 0) }
        }
    }
}
