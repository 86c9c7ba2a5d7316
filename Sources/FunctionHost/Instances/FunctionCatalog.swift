import EmulatorConfig
import Synchronization

/// The functions the host serves and their routes. Fixed at start, and
/// replaced as a whole when runtime.json or `Functions/` change while serving.
final class FunctionCatalog: Sendable {
    private let limits: ConcurrencyLimits
    private let state: Mutex<State>

    private struct State {
        var functions: [String: FunctionInstances]
        var routes: RouteTable
        /// Replaced or removed functions whose busy instances may still run.
        var retired: [FunctionInstances] = []
    }

    init(_ definitions: [FunctionDefinition], limits: ConcurrencyLimits) {
        self.limits = limits
        let functions = Dictionary(uniqueKeysWithValues: definitions.map {
            ($0.name, FunctionInstances(definition: $0, limits: limits))
        })
        state = Mutex(State(functions: functions, routes: RouteTable(definitions)))
    }

    /// The function named `name`, if served.
    subscript(name: String) -> FunctionInstances? { state.withLock { $0.functions[name] } }

    /// Every function served.
    var all: [FunctionInstances] { state.withLock { Array($0.functions.values) } }

    /// Every function served, and replaced ones that still have instances: all there is to stop.
    var allIncludingRetired: [FunctionInstances] {
        state.withLock { state in
            state.retired.removeAll { $0.instances.isEmpty }
            return Array(state.functions.values) + state.retired
        }
    }

    /// The definitions of every function served.
    var definitions: [FunctionDefinition] { all.map(\.definition) }

    /// The routes served now.
    var routes: RouteTable { state.withLock { $0.routes } }

    /// The function and route a request goes to.
    func match(method: String, path: String) -> RouteTable.Match? {
        routes.match(method: method, path: path)
    }

    /// What ``replace(with:)`` changed.
    struct Change {
        var added: [String] = []
        var changed: [String] = []
        var removed: [String] = []
        /// The replaced and removed functions' instances, to be drained.
        var retired: [FunctionInstances] = []
        var isEmpty: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty }
    }

    /// Serves `definitions` from now on. A function whose definition changed
    /// gets a fresh set of instances (its counters carry on); the old ones are
    /// returned to be drained, with those of removed functions.
    func replace(with definitions: [FunctionDefinition]) -> Change {
        state.withLock { state in
            var change = Change()
            var functions: [String: FunctionInstances] = [:]
            for definition in definitions {
                guard let current = state.functions[definition.name] else {
                    functions[definition.name] = FunctionInstances(definition: definition, limits: limits)
                    change.added.append(definition.name)
                    continue
                }
                if current.definition == definition {
                    functions[definition.name] = current
                } else {
                    functions[definition.name] = FunctionInstances(definition: definition, limits: limits, stats: current.stats)
                    change.changed.append(definition.name)
                    change.retired.append(current)
                }
            }
            for (name, current) in state.functions where functions[name] == nil {
                change.removed.append(name)
                change.retired.append(current)
            }
            state.functions = functions
            state.routes = RouteTable(definitions)
            state.retired += change.retired
            return change
        }
    }
}
