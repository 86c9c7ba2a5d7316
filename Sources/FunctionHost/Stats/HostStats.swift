import EmulatorConfig
import Foundation

/// Everything `/_emulator/stats` reports at one moment: the mode, every
/// function's snapshot and the further sections (`pool`, `database`) as the
/// host was given them, with the figures the dashboard and the metrics read.
struct HostStats: Sendable {
    var mode: DatabaseMode
    var functions: [String: FunctionSnapshot]
    /// How the last hot reload went and when, nil before the first.
    var reload: (outcome: ReloadOutcome, at: Date)?
    /// The further top-level sections, JSON-ready.
    var sections: [String: any Sendable]

    /// Takes the stats of `manager` and the sections `sections` returns.
    static func collect(_ manager: InstanceManager, sections: @Sendable () async -> [String: any Sendable]) async -> HostStats {
        HostStats(mode: manager.mode, functions: manager.snapshot(), reload: manager.reloadStatus, sections: await sections())
    }

    /// The `/_emulator/stats` document (see docs/admin-api.md).
    var json: [String: Any] {
        var body: [String: Any] = [
            "mode": mode.rawValue,
            "functions": functions.mapValues { snapshot -> [String: Any] in
                [
                    "instances": [
                        "total": snapshot.instances.total, "busy": snapshot.instances.busy,
                        "idle": snapshot.instances.idle, "starting": snapshot.instances.starting,
                        "frozen": snapshot.instances.frozen,
                    ],
                    "instanceList": snapshot.instanceList.map { instance -> [String: Any] in
                        var entry: [String: Any] = ["id": instance.id, "state": instance.state]
                        if let idle = instance.idleMilliseconds { entry["idleMs"] = idle }
                        return entry
                    },
                    "invocations": snapshot.counters.invocations,
                    "coldStarts": snapshot.counters.coldStarts,
                    "errors": snapshot.counters.errors,
                    "throttles": snapshot.counters.throttles,
                    "timeouts": snapshot.counters.timeouts,
                    "crashes": snapshot.counters.crashes,
                    "failuresByCause": Dictionary(
                        uniqueKeysWithValues: snapshot.counters.failuresByCause.map { ($0.key.description, $0.value) }),
                    "latency": [
                        "p50Ms": snapshot.latency.p50Ms as Any, "p95Ms": snapshot.latency.p95Ms as Any,
                        "p99Ms": snapshot.latency.p99Ms as Any,
                    ].compactMapValues { $0 as? Double },
                ]
            },
        ]
        if let reload { body["reload"] = Self.json(reload.outcome, at: reload.at) }
        for (name, section) in sections { body[name] = section }
        return body
    }

    /// The `reload` section: `{"status": "ok", "functions": [...], "at": ...}` or
    /// `{"status": "failed", "error": "...", "at": ...}`.
    private static func json(_ outcome: ReloadOutcome, at date: Date) -> [String: Any] {
        let at = date.ISO8601Format(.iso8601WithTimeZone(includingFractionalSeconds: true))
        switch outcome {
        case .succeeded(let functions): return ["status": "ok", "functions": functions, "at": at]
        case .failed(let message): return ["status": "failed", "error": message, "at": at]
        }
    }

    // MARK: Figures

    /// Instances of all functions, by state.
    var instances: InstanceCounts {
        functions.values.reduce(into: InstanceCounts()) { sum, snapshot in
            sum.total += snapshot.instances.total
            sum.busy += snapshot.instances.busy
            sum.idle += snapshot.instances.idle
            sum.starting += snapshot.instances.starting
        }
    }

    /// `database.connections`: client backends the database holds; nil without a database or sample.
    var databaseConnections: Int? { number("database", "connections") }
    /// `database.maxConnections`.
    var databaseMaxConnections: Int? { number("database", "maxConnections") }
    /// `pool.waiting`: clients queued for a server connection.
    var poolWaiting: Int? { number("pool", "waiting") }
    /// `pool.clientConnections.active`.
    var poolClients: Int? { number("pool", "clientConnections", "active") }
    /// `pool.serverConnections.<state>` (`active`, `idle`, `connecting`, `max`).
    func poolServerConnections(_ state: String) -> Int? { number("pool", "serverConnections", state) }
    /// `pool.waitTime.<key>` in milliseconds (`p50Ms`, `p95Ms`, `p99Ms`).
    func poolWaitTime(_ key: String) -> Double? { decimal("pool", "waitTime", key) }
    /// `pool.transactionsServed`.
    var poolTransactions: Int? { number("pool", "transactionsServed") }
    /// `pool.errors`: counts by kind.
    var poolErrors: [String: Int] {
        (value(at: ["pool", "errors"]) as? [String: Any])?.compactMapValues { $0 as? Int } ?? [:]
    }

    private func number(_ path: String...) -> Int? { value(at: path) as? Int }

    private func decimal(_ path: String...) -> Double? {
        switch value(at: path) {
        case let value as Double: value
        case let value as Int: Double(value)
        default: nil
        }
    }

    private func value(at path: [String]) -> Any? {
        var current: Any? = sections
        for key in path {
            guard let object = current as? [String: Any] else { return nil }
            current = object[key]
        }
        return current
    }
}
