import NIOCore

/// A distinct statement (query text and parameter types) that clients prepared under names
/// of their own. On the database it is prepared under one pool-wide name, `_pool_<id>`,
/// on whichever server connections need it.
final class PreparedStatement {
    /// The body of the clients' Parse after the statement name: the query, the parameter
    /// count and types. The pool-wide key, and what the pool sends to prepare it.
    let definition: ByteBuffer
    /// What the query does to the session (cached: it is the same for every execution).
    let effect: SessionEffect
    /// The number in the server-side name; a new one when the statement is invalidated.
    private(set) var serverID: Int
    /// Client names and server copies that refer to it; it is forgotten at zero.
    var references = 0
    /// The registry's `schemaEpoch` when its server-side name was given.
    private(set) var epoch: Int

    init(definition: ByteBuffer, effect: SessionEffect, serverID: Int, epoch: Int) {
        self.definition = definition
        self.effect = effect
        self.serverID = serverID
        self.epoch = epoch
    }

    /// Gives the statement a new server-side name, so every server connection prepares it
    /// afresh (its old copies are left to eviction).
    func renumber(_ id: Int, epoch: Int) {
        serverID = id
        self.epoch = epoch
    }

    static let namePrefix = "_pool_"

    /// The server-side name for `id`.
    static func serverName(_ id: Int) -> String {
        namePrefix + String(id)
    }
}
