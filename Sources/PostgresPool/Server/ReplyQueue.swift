/// What the database owes, oldest first: a queue of `PendingReply` made for the relay's
/// hot path. The front is read in place (no copy of the reply, so no retain and release
/// of what its action holds) on every message from the database, and a reply leaves the
/// queue by a move.
struct ReplyQueue {
    private var storage: [PendingReply] = []
    /// The index of the oldest reply in `storage`; the slots before it are spent.
    private var head = 0

    init() {
        storage.reserveCapacity(16)
    }

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }

    /// A copy of the oldest reply.
    var first: PendingReply? { isEmpty ? nil : storage[head] }
    /// A copy of the newest reply.
    var last: PendingReply? { isEmpty ? nil : storage[storage.count - 1] }

    /// The message type the oldest reply answers.
    var firstRequest: UInt8? { isEmpty ? nil : storage[head].request }
    /// Whether the client sees the replies to the oldest message (true when nothing is
    /// owed: what arrives then is relayed).
    var firstIsRelayed: Bool { isEmpty || storage[head].action.isRelayed }
    /// Whether the oldest reply is one the pool gives itself.
    var firstIsLocal: Bool { !isEmpty && storage[head].action.isLocal }
    /// Whether the oldest reply is the read-back of unreported settings.
    var firstIsCapture: Bool {
        guard !isEmpty, case .capture = storage[head].action else { return false }
        return true
    }

    /// Marks the group the oldest reply ends as failed.
    mutating func markFirstFailed() {
        storage[head].failed = true
    }

    /// Replaces the oldest reply's action.
    mutating func setFirstAction(_ action: ReplyAction) {
        storage[head].action = action
    }

    mutating func append(_ reply: PendingReply) {
        // A client that pipelines without pause never empties the queue: drop spent slots.
        if head >= 32, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(reply)
    }

    /// Removes and returns the oldest reply.
    @discardableResult
    mutating func popFirst() -> PendingReply? {
        guard !isEmpty else { return nil }
        var reply = PendingReply(PendingReply.local)
        swap(&reply, &storage[head])
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
        return reply
    }

    /// Removes the oldest `count` replies.
    mutating func removeFirst(_ count: Int) {
        for _ in 0..<count { popFirst() }
    }

    func contains(where predicate: (PendingReply) -> Bool) -> Bool {
        storage[head...].contains(where: predicate)
    }

    /// How many replies end a group (a Sync, Query or FunctionCall each).
    var groupEnds: Int {
        storage[head...].reduce(0) { $0 + ($1.endsGroup ? 1 : 0) }
    }

    /// Removes the oldest reply that matches, if any.
    mutating func removeFirst(where predicate: (PendingReply) -> Bool) {
        guard let index = storage[head...].firstIndex(where: predicate) else { return }
        storage.remove(at: index)
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    mutating func removeAll(where shouldBeRemoved: (PendingReply) -> Bool) {
        storage.removeFirst(head)
        head = 0
        storage.removeAll(where: shouldBeRemoved)
    }
}
