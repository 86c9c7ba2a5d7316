/// The pool's statements prepared on one server connection, bounded, least recently used
/// first out. It models the server as of what the pool has *sent* so far: every use is
/// preceded by a check, so the wire order is always the order the server sees.
struct ServerStatementCache {
    struct Entry {
        let statement: PreparedStatement
        /// The server-side name number the copy was prepared under.
        let id: Int
        var lastUse: UInt64
    }

    private(set) var entries: [Int: Entry] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Whether the server has the statement under its current name; marks it used.
    mutating func use(_ statement: PreparedStatement) -> Bool {
        let id = statement.serverID
        guard entries[id] != nil else { return false }
        clock &+= 1
        entries[id]!.lastUse = clock
        return true
    }

    /// Records a statement being prepared; returns the entries to close to stay within
    /// `capacity` (never the one just added).
    mutating func insert(_ statement: PreparedStatement) -> [Entry] {
        clock &+= 1
        entries[statement.serverID] = Entry(statement: statement, id: statement.serverID, lastUse: clock)
        var evicted: [Entry] = []
        while entries.count > capacity {
            let oldest = entries.values.min { $0.lastUse < $1.lastUse }!
            entries[oldest.id] = nil
            evicted.append(oldest)
        }
        return evicted
    }

    /// Forgets a copy (its Parse failed, or the server dropped it); returns it if it was there.
    mutating func remove(id: Int) -> Entry? {
        entries.removeValue(forKey: id)
    }

    /// Puts back a copy whose Close the server skipped.
    mutating func restore(_ entry: Entry) {
        entries[entry.id] = entry
    }

    /// Forgets every copy (`DEALLOCATE ALL`, `DISCARD ALL`, or the connection closed).
    mutating func removeAll() -> [Entry] {
        defer { entries.removeAll() }
        return Array(entries.values)
    }
}
