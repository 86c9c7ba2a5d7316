import EmulatorConfig
import Foundation
import Synchronization

/// How new instances reach the database: the current mode's URL, named for
/// the instance (`application_name=<function>/<instance id>`) so that every
/// database backend can be traced to the instance that holds it, and the
/// transport of their `Database.shared`.
///
/// In the mode the emulator started in, a function whose `"database"`
/// setting is `"http"` uses SQL over HTTP while the mode is `pooled` (both
/// go through the pool). A mode switched at run time applies to every
/// function alike, so `storm --compare` can run one function all three ways.
///
/// Each mode switch starts a new generation; instances launched under an
/// earlier one are retired instead of reused, so new invocations see the new mode.
final class DatabaseRouting: Sendable {
    private struct State {
        var mode: DatabaseMode
        var generation = 0
        /// Whether functions' own `"database"` settings apply (until the first switch).
        var followsFunctionSettings = true
    }

    private let endpoints: DatabaseEndpoints?
    private let state: Mutex<State>

    init(endpoints: DatabaseEndpoints?, mode: DatabaseMode) {
        self.endpoints = endpoints
        state = Mutex(State(mode: mode))
    }

    /// The mode new instances get.
    var mode: DatabaseMode { state.withLock { $0.mode } }

    /// Whether an instance of `generation` may serve further invocations.
    func isCurrent(_ generation: Int) -> Bool {
        state.withLock { $0.generation == generation }
    }

    /// What an instance of `function` launched now gets: its database access
    /// (nil without a database) and the generation to stamp on it.
    func assignment(for function: FunctionDefinition, instanceID: String) -> (access: DatabaseAccess?, generation: Int) {
        let current = state.withLock { $0 }
        guard let endpoints else { return (nil, current.generation) }
        var way = current.mode
        if current.followsFunctionSettings, way == .pooled, function.settings.database == .http { way = .http }
        let url = way == .direct ? endpoints.direct : endpoints.pooled
        let name = "\(function.name)/\(instanceID)"
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? instanceID
        let access = DatabaseAccess(
            url: url + (url.contains("?") ? "&" : "?") + "application_name=" + name,
            httpURL: endpoints.http, transport: way == .http ? .http : .tcp)
        return (access, current.generation)
    }

    /// Why a mode cannot be switched.
    enum SwitchError: Error {
        case noDatabase
        case noHTTPEndpoint
    }

    /// Makes `mode` current for every function and starts a new generation;
    /// returns the previous mode.
    func switchTo(_ mode: DatabaseMode) throws(SwitchError) -> DatabaseMode {
        guard let endpoints else { throw .noDatabase }
        guard mode != .http || endpoints.http != nil else { throw .noHTTPEndpoint }
        return state.withLock { state in
            let previous = state.mode
            state = State(mode: mode, generation: state.generation + 1, followsFunctionSettings: false)
            return previous
        }
    }
}
