import NIOCore

/// A client waiting for a server connection.
final class Waiter {
    let client: ClientSession
    let since: NIODeadline
    /// Served, timed out or cancelled; finished waiters are skipped when dequeued.
    var done = false

    init(client: ClientSession, since: NIODeadline) {
        self.client = client
        self.since = since
    }
}

/// The server connections: idle ones, the cap on how many exist (connecting ones
/// included), and the clients waiting for one, served first come, first served.
///
/// Event-loop confined.
final class ServerPool {
    unowned let core: PoolCore
    private var idle: [ServerConnection] = []
    private(set) var all: [Int: ServerConnection] = [:]
    private(set) var connecting = 0
    private var checking = 0
    /// First come, first served; with one timeout for all, also ordered by deadline, so a
    /// single timer (for the oldest waiter) covers the whole queue.
    private var waiters = CircularBuffer<Waiter>(initialCapacity: 64)
    private var timeoutTimer: Scheduled<Void>?
    private(set) var waitingCount = 0
    private(set) var peak = 0
    private var nextID = 0

    init(core: PoolCore) {
        self.core = core
    }

    var idleCount: Int { idle.count }
    var activeCount: Int { all.count - idle.count - connecting }

    /// An idle, healthy server connection, if one is ready right now and nobody is queued before us.
    func acquireNow() -> ServerConnection? {
        guard waitingCount == 0, !idle.isEmpty else { return nil }
        let now = NIODeadline.now()
        let checkDelay = PoolConfiguration.timeAmount(core.configuration.serverCheckDelay)
        while let server = idle.popLast() {
            guard server.isReusable(now: now) else {
                server.close()
                continue
            }
            if now - server.idleSince > checkDelay {
                healthCheck(server)
                continue
            }
            core.stats.recordWait(nanoseconds: 0)
            return server
        }
        return nil
    }

    /// Queues a client for the next server connection, opening one if the cap allows.
    func enqueue(_ client: ClientSession) -> Waiter {
        let waiter = Waiter(client: client, since: .now())
        waitingCount += 1
        waiters.append(waiter)
        if timeoutTimer == nil { scheduleTimeout(for: waiter) }
        openConnectionsIfNeeded()
        return waiter
    }

    /// The client stopped waiting (it disconnected).
    func cancelWait(_ waiter: Waiter) {
        guard !waiter.done else { return }
        waiter.done = true
        waitingCount -= 1
    }

    private func scheduleTimeout(for waiter: Waiter) {
        let deadline = waiter.since + PoolConfiguration.timeAmount(core.configuration.acquireTimeout)
        timeoutTimer = core.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timeoutTimer = nil
            self.expireWaiters()
        }
    }

    /// Fails every waiter whose time is up (they are at the front), then re-arms the timer.
    private func expireWaiters() {
        let now = NIODeadline.now()
        let timeout = PoolConfiguration.timeAmount(core.configuration.acquireTimeout)
        while let waiter = waiters.first {
            if waiter.done {
                waiters.removeFirst()
                continue
            }
            guard now - waiter.since >= timeout else {
                scheduleTimeout(for: waiter)
                return
            }
            waiters.removeFirst()
            waiter.done = true
            waitingCount -= 1
            core.stats.errors.acquireTimeout += 1
            let waited = now - waiter.since
            waiter.client.acquireTimedOut(waitedMilliseconds: waited.nanoseconds / 1_000_000, busy: activeCount + connecting)
        }
    }

    private func nextWaiter() -> Waiter? {
        while let waiter = waiters.popFirst() {
            if waiter.done { continue }
            waiter.done = true
            waitingCount -= 1
            return waiter
        }
        return nil
    }

    /// A clean server connection comes back: the first waiter gets it, else it idles.
    func release(_ server: ServerConnection, fresh: Bool = false) {
        let now = NIODeadline.now()
        // A fresh connection serves its waiter even if `serverLifetime` is shorter than a login.
        guard fresh || server.isReusable(now: now), !core.isShuttingDown else {
            server.close()
            return
        }
        if server.cancelsInFlight > 0 {
            // A client's cancel is on its way to this backend: it must not hit the next client's query.
            server.heldForCancel = true
            return
        }
        if let waiter = nextWaiter() {
            core.stats.recordWait(nanoseconds: (now - waiter.since).nanoseconds)
            waiter.client.link(server)
            return
        }
        server.idleSince = now
        idle.append(server)
    }

    /// Runs `statements` (by default an empty query, to see the connection is alive) on an
    /// idle connection, then releases it (closes it on an error).
    private func healthCheck(_ server: ServerConnection, _ statements: [String] = [""]) {
        checking += 1
        server.isHealthChecking = true
        server.runInternal(statements) { server, error in
            server.isHealthChecking = false
            self.checking -= 1
            if error != nil {
                server.close()
            } else {
                self.release(server)
            }
        }
    }

    // MARK: Opening and losing connections

    private func openConnectionsIfNeeded() {
        while waitingCount > connecting + checking, all.count < core.configuration.maxServerConnections, !core.isShuttingDown {
            nextID += 1
            connecting += 1
            let server = ServerConnection(core: core, id: nextID)
            all[nextID] = server
            peak = max(peak, all.count)
            server.connect()
        }
    }

    /// A new server connection finished logging in.
    func connected(_ server: ServerConnection) {
        connecting -= 1
        if core.serverParameters == nil {
            core.serverParameters = server.reportedOrder
        }
        release(server, fresh: true)
    }

    /// Opening a server connection failed: the first waiter gets the error (the database is
    /// down or refuses the pool); later waiters get a connection attempt of their own.
    func connectFailed(_ server: ServerConnection, error: ErrorFields) {
        guard all.removeValue(forKey: server.id) != nil else { return }
        connecting -= 1
        core.stats.errors.serverConnectFailed += 1
        core.logger.warning("server connection failed: \(error)")
        nextWaiter()?.client.acquireFailed(error)
        openConnectionsIfNeeded()
    }

    /// A server connection closed.
    func removed(_ server: ServerConnection) {
        guard all.removeValue(forKey: server.id) != nil else { return }
        if server.isHealthChecking {
            // Died during its health check: the check never settles.
            server.isHealthChecking = false
            checking -= 1
        }
        if let index = idle.firstIndex(where: { $0 === server }) {
            idle.remove(at: index)
        }
        openConnectionsIfNeeded()
    }

    /// Closes idle connections past `serverIdleTimeout` or `serverLifetime`.
    func sweep() {
        let now = NIODeadline.now()
        let idleTimeout = PoolConfiguration.timeAmount(core.configuration.serverIdleTimeout)
        var expired: [ServerConnection] = []
        idle.removeAll { server in
            guard now - server.idleSince > idleTimeout || !server.isReusable(now: now) else { return false }
            expired.append(server)
            return true
        }
        // Closing reports back through `removed`, so only after `idle` is settled.
        for server in expired { server.close() }
        // An idle connection does not go on showing its last client's name (in
        // pg_stat_activity, the stats): it gets its own back.
        var renamed: [ServerConnection] = []
        idle.removeAll { server in
            guard server.showsClientName else { return false }
            renamed.append(server)
            return true
        }
        for server in renamed {
            server.appliedSet = nil  // the next client's settings are applied anew
            healthCheck(server, ["RESET application_name"])
        }
    }

    /// Closes every connection (shutdown).
    func closeAll() {
        for waiter in waiters { waiter.done = true }
        waiters.removeAll()
        timeoutTimer?.cancel()
        timeoutTimer = nil
        waitingCount = 0
        idle.removeAll()
        for server in Array(all.values) { server.close() }
    }
}
