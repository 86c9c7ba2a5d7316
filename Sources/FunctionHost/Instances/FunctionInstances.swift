import EmulatorConfig
import Synchronization

/// The instances of one function: which are idle, how many are busy, and
/// whether one more may start (`maxConcurrency`, then the account limits).
final class FunctionInstances: Sendable {
    let definition: FunctionDefinition
    let stats: FunctionStats
    private let limits: ConcurrencyLimits
    private let state = Mutex<State>(State())

    private struct State {
        /// Idle instances, most recently used last (reused first, as Lambda does).
        var idle: [Instance] = []
        var all: [String: Instance] = [:]
        /// Invocations in progress, including those waiting for a cold start.
        var busy = 0
        /// Bumped when the function's code changed: older instances are not reused.
        var codeGeneration = 0
    }

    /// A reservation for one invocation.
    enum Lease {
        /// An idle instance, now reserved.
        case warm(Instance)
        /// No idle instance: the caller starts one.
        case cold
    }

    /// Why no invocation may run now.
    enum Throttle: Error {
        case functionConcurrency(Int)
        case account(ConcurrencyLimits.Refusal)
    }

    /// Creates the instances of `definition`; `stats` carries on those of an
    /// earlier definition of the same function.
    init(definition: FunctionDefinition, limits: ConcurrencyLimits, stats: FunctionStats = FunctionStats()) {
        self.definition = definition
        self.limits = limits
        self.stats = stats
    }

    /// Reserves an idle instance or the right to start one.
    func reserve() throws(Throttle) -> Lease {
        try state.withLock { (state: inout State) throws(Throttle) -> Lease in
            while let instance = state.idle.popLast() {
                guard instance.phase == .idle else { continue }
                do throws(ConcurrencyLimits.Refusal) { try limits.acquire(startingInstance: false) } catch {
                    state.idle.append(instance)
                    throw .account(error)
                }
                state.busy += 1
                return .warm(instance)
            }
            guard state.busy < definition.settings.maxConcurrency else {
                throw .functionConcurrency(definition.settings.maxConcurrency)
            }
            do throws(ConcurrencyLimits.Refusal) { try limits.acquire(startingInstance: true) } catch { throw .account(error) }
            state.busy += 1
            return .cold
        }
    }

    /// Registers a freshly launched instance.
    func added(_ instance: Instance) {
        state.withLock { $0.all[instance.id] = instance }
    }

    /// Gives back a reservation, and the instance to the idle list when it can
    /// serve again and may (`reusable`, false when it belongs to an earlier mode;
    /// nor when it runs replaced code). Returns an idle instance that may not
    /// be reused, for the caller to stop.
    func finished(_ instance: Instance?, reusable: Bool = true) -> Instance? {
        let retired = state.withLock { state -> Instance? in
            state.busy -= 1
            guard let instance, instance.phase == .idle else { return nil }
            guard reusable, instance.codeGeneration == state.codeGeneration else { return instance }
            state.idle.append(instance)
            return nil
        }
        limits.release()
        return retired
    }

    /// The code generation a new instance runs.
    var codeGeneration: Int { state.withLock { $0.codeGeneration } }

    /// After the function's code changed: no instance started before is reused;
    /// returns the idle ones, taken off the idle list, for the caller to stop.
    func replaceAll() -> [Instance] {
        state.withLock { state in
            state.codeGeneration += 1
            defer { state.idle.removeAll() }
            return state.idle
        }
    }

    /// Forgets an instance whose process has exited.
    func removed(_ instance: Instance) {
        state.withLock { state in
            state.all[instance.id] = nil
            state.idle.removeAll { $0 === instance }
        }
    }

    /// Every idle instance, taken off the idle list.
    func takeIdle() -> [Instance] {
        state.withLock { state in
            defer { state.idle.removeAll() }
            return state.idle
        }
    }

    /// Idle instances past `idleTimeoutSeconds`, taken off the idle list.
    func takeExpired(now: ContinuousClock.Instant) -> [Instance] {
        let limit = Duration.milliseconds(Int64(definition.settings.idleTimeoutSeconds * 1000))
        return state.withLock { state in
            let expired = state.idle.filter { instance in
                guard let since = instance.idleSince else { return false }
                return now - since >= limit
            }
            state.idle.removeAll { instance in expired.contains { $0 === instance } }
            return expired
        }
    }

    /// Every live instance.
    var instances: [Instance] { state.withLock { Array($0.all.values) } }

    /// Every live instance with its state and idle time, oldest id first.
    func summaries(now: ContinuousClock.Instant = .now) -> [InstanceSummary] {
        instances.compactMap { instance -> InstanceSummary? in
            let state: String
            switch instance.phase {
            case .starting: state = "starting"
            case .busy: state = "busy"
            case .idle: state = instance.isFrozen ? "frozen" : "idle"
            case .dead: return nil
            }
            let idle = instance.idleSince.map { (now - $0).milliseconds.rounded() }
            return InstanceSummary(id: instance.id, state: state, idleMilliseconds: idle)
        }.sorted { $0.id < $1.id }
    }

    /// Instances by state: total, busy, idle, starting.
    func counts() -> InstanceCounts {
        state.withLock { state in
            var counts = InstanceCounts(total: state.all.count)
            for instance in state.all.values {
                switch instance.phase {
                case .busy: counts.busy += 1
                case .idle:
                    counts.idle += 1
                    if instance.isFrozen { counts.frozen += 1 }
                case .starting: counts.starting += 1
                case .dead: break
                }
            }
            return counts
        }
    }
}

/// One live instance as the stats list it.
struct InstanceSummary: Sendable, Equatable {
    var id: String
    /// `starting`, `busy`, `idle` or `frozen`.
    var state: String
    /// How long it has been idle (or frozen), nil when it is not.
    var idleMilliseconds: Double?
}

/// How many instances a function has, by state.
struct InstanceCounts: Sendable, Equatable {
    var total = 0
    var busy = 0
    var idle = 0
    /// Idle instances whose processes are stopped (`freezeIdle`); counted in `idle` too.
    var frozen = 0
    var starting = 0
}
