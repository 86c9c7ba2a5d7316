import PostgresPool

extension PoolStats {
    /// The `pool` section of `/_emulator/stats`.
    var json: [String: any Sendable] {
        [
            "clientConnections": ["active": clientConnections.active, "waiting": clientConnections.waiting],
            "serverConnections": [
                "active": serverConnections.active, "idle": serverConnections.idle,
                "connecting": serverConnections.connecting, "max": serverConnections.max,
                "peak": serverConnections.peak,
            ],
            "waiting": clientConnections.waiting,
            "waitTime": [
                "p50Ms": waitTime.p50Ms, "p95Ms": waitTime.p95Ms, "p99Ms": waitTime.p99Ms, "samples": waitTime.samples,
            ] as [String: any Sendable],
            "transactionsServed": transactionsServed,
            "queriesServed": queriesServed,
            "errors": [
                "acquireTimeout": errors.acquireTimeout, "clientLimit": errors.clientLimit,
                "authFailed": errors.authFailed, "protocol": errors.protocol, "loginTimeout": errors.loginTimeout,
                "serverLost": errors.serverLost, "serverConnectFailed": errors.serverConnectFailed,
            ],
            "preparedStatements": [
                "statements": preparedStatements.statements, "clientParses": preparedStatements.clientParses,
                "serverParses": preparedStatements.serverParses, "evictions": preparedStatements.evictions,
                "invalidations": preparedStatements.invalidations, "retries": preparedStatements.retries,
            ],
            "pinnedClients": pinnedClients,
            "pinEvents": Dictionary(uniqueKeysWithValues: pinEvents.map { ($0.key.rawValue, $0.value) }),
            "settingsApplied": settingsApplied,
        ]
    }
}
