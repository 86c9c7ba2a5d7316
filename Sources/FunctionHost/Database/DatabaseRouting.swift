import EmulatorConfig
import Foundation
import Synchronization

/// Which database URL new instances get: the current mode's, named for the
/// instance (`application_name=<function>/<instance id>`) so that every
/// database backend can be traced to the instance that holds it.
///
/// Each mode switch starts a new generation; instances launched under an
/// earlier one are retired instead of reused, so new invocations see the new URL.
final class DatabaseRouting: Sendable {
    private let endpoints: DatabaseEndpoints?
    private let state: Mutex<(mode: DatabaseMode, generation: Int)>

    init(endpoints: DatabaseEndpoints?, mode: DatabaseMode) {
        self.endpoints = endpoints
        state = Mutex((mode, 0))
    }

    /// The mode new instances get.
    var mode: DatabaseMode { state.withLock { $0.mode } }

    /// Whether an instance of `generation` may serve further invocations.
    func isCurrent(_ generation: Int) -> Bool {
        state.withLock { $0.generation == generation }
    }

    /// What an instance launched now gets: its `DATABASE_URL` (nil without a
    /// database) and the generation to stamp on it.
    func assignment(function: String, instanceID: String) -> (databaseURL: String?, generation: Int) {
        let (mode, generation) = state.withLock { ($0.mode, $0.generation) }
        guard let endpoints else { return (nil, generation) }
        let url = endpoints.url(for: mode)
        let name = "\(function)/\(instanceID)"
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? instanceID
        return (url + (url.contains("?") ? "&" : "?") + "application_name=" + name, generation)
    }

    /// Why a mode cannot be switched.
    enum SwitchError: Error {
        case noDatabase
    }

    /// Makes `mode` current and starts a new generation; returns the previous mode.
    func switchTo(_ mode: DatabaseMode) throws(SwitchError) -> DatabaseMode {
        guard endpoints != nil else { throw .noDatabase }
        return state.withLock { state in
            let previous = state.mode
            state = (mode, state.generation + 1)
            return previous
        }
    }
}
