import EmulatorConfig
import Foundation
import Logging
import Synchronization

/// What the host watches while it serves, and how it rebuilds and rereads.
public struct ReloadSettings: Sendable {
    /// The `Functions/` folder: a change in a function's folder reloads that
    /// function; a new folder rereads the configuration.
    public var functionsDirectory: String
    /// The runtime.json the host serves; a change rereads it.
    public var configFile: String
    /// Folders whose changes concern every Swift function (the function SDK's sources).
    public var sharedSources: [String]
    /// Rebuilds the Swift functions; throws with the compiler's output when the build fails.
    public var build: @Sendable () async throws -> Void
    /// Rereads runtime.json and `Functions/`; throws with a message naming the problem.
    public var reloadConfiguration: @Sendable () throws -> ConfigurationReload
    /// How often the files are looked at.
    public var interval: Duration

    /// Creates settings; see the properties.
    public init(
        functionsDirectory: String, configFile: String, sharedSources: [String], interval: Duration = .milliseconds(500),
        build: @escaping @Sendable () async throws -> Void,
        reloadConfiguration: @escaping @Sendable () throws -> ConfigurationReload
    ) {
        self.functionsDirectory = functionsDirectory
        self.configFile = configFile
        self.sharedSources = sharedSources
        self.interval = interval
        self.build = build
        self.reloadConfiguration = reloadConfiguration
    }
}

/// The configuration as reread while serving.
public struct ConfigurationReload: Sendable {
    /// The functions to serve from now on.
    public var functions: [FunctionDefinition]
    /// The runtime.json keys that changed but take effect only after a restart.
    public var needsRestart: [String]

    /// Creates a reload; see the properties.
    public init(functions: [FunctionDefinition], needsRestart: [String]) {
        self.functions = functions
        self.needsRestart = needsRestart
    }
}

/// Watches the functions' folders, the SDK's sources and runtime.json while
/// the host serves. When a function's files change it rebuilds what needs
/// building and, on success, replaces that function's instances: idle ones
/// stop at once, busy ones after their invocation, and new invocations start
/// the new code. When runtime.json changes (or a function folder appears or
/// goes) the functions, their routes, limits and environment are replaced the
/// same way; the keys that need a restart are named. A failed build or an
/// invalid runtime.json keeps the last good state serving and says why.
///
/// Swift builds run beside the watching: a change that needs no compiler (a
/// custom runtime's files, runtime.json) is served at once, also while the
/// compiler works on another function. New functions are listed with their URLs.
struct HotReloader: Sendable {
    let settings: ReloadSettings
    let manager: InstanceManager
    let sink: LogSink
    /// The front door's port, for the URLs of new functions.
    let port: @Sendable () -> Int
    private let builds = BuildLane()

    init(settings: ReloadSettings, manager: InstanceManager, sink: LogSink, port: @escaping @Sendable () -> Int) {
        self.settings = settings
        self.manager = manager
        self.sink = sink
        self.port = port
    }

    /// Watches until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            var last = fingerprint()
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.interval)
                let current = fingerprint()
                let changed = current.changes(since: last)
                guard !changed.isEmpty else { continue }
                last = current
                if reload(affectedBy: changed) {
                    group.addTask { await buildWhilePending() }
                }
                // Files written while building are picked up by the next look.
            }
            group.cancelAll()
        }
    }

    private func fingerprint() -> SourceFingerprint {
        SourceFingerprint(roots: [settings.functionsDirectory, settings.configFile] + settings.sharedSources)
    }

    /// Serves at once what changed without needing the compiler, and hands the
    /// Swift functions to the build lane. True when a build lane must be started.
    private func reload(affectedBy changed: Set<String>) -> Bool {
        let current = manager.functions.definitions
        var definitions = current
        var needsRestart: [String] = []
        let unknownFolder = changed.contains { path in
            path.hasPrefix(settings.functionsDirectory + "/") && !current.contains { path.hasPrefix($0.directory + "/") }
        }
        if changed.contains(settings.configFile) || unknownFolder {
            do {
                let reread = try settings.reloadConfiguration()
                definitions = reread.functions
                needsRestart = reread.needsRestart
            } catch {
                manager.recordReload(.failed(message: "\(error)"))
                sink.write("Reload: \(error)\nStill serving the previous configuration.")
                return false
            }
        }
        let sharedChanged = changed.contains { path in settings.sharedSources.contains { path.hasPrefix($0 + "/") } }
        let edited = definitions.filter { function in
            (sharedChanged && function.isSwift) || changed.contains { $0.hasPrefix(function.directory + "/") }
        }
        let redefined = definitions.filter { !current.contains($0) }
        let removed = current.filter { function in !definitions.contains { $0.name == function.name } }
        for key in needsRestart { sink.write("Reload: runtime.json \(key) changed; it takes effect after a restart") }
        guard !(edited + redefined + removed).isEmpty else { return false }
        let names = Set((edited + redefined + removed).map(\.name)).sorted().joined(separator: ", ")
        sink.write("Reload: \(names) changed")
        let toBuild = Set((edited + redefined).filter(\.isSwift).map(\.name))
        // Until it is built, a Swift function keeps its current definition (a new one waits).
        let servedNow = definitions.compactMap { definition in
            toBuild.contains(definition.name) ? current.first { $0.name == definition.name } : definition
        }
        apply(
            servedNow, edited: Set(edited.map(\.name)).subtracting(toBuild),
            reloaded: Set((edited + redefined).map(\.name)).subtracting(toBuild))
        guard !toBuild.isEmpty else { return false }
        sink.write("Reload: building \(toBuild.sorted().joined(separator: ", ")) (other changes are served meanwhile)")
        return builds.request(toBuild, definitions: definitions)
    }

    /// Builds until no Swift function waits for a build; each success serves the built functions.
    private func buildWhilePending() async {
        while let (names, definitions) = builds.take() {
            let list = names.sorted().joined(separator: ", ")
            do {
                try await settings.build()
            } catch {
                manager.recordReload(.failed(message: "\(error)"))
                sink.write("Reload: the build failed; still serving the last good build of \(list):\n\(error)")
                continue
            }
            // The functions served now, with the built ones as they were defined when asked for.
            var served = manager.functions.definitions.filter { function in
                !names.contains(function.name) || definitions.contains { $0.name == function.name }
            }
            for definition in definitions where names.contains(definition.name) {
                served.removeAll { $0.name == definition.name }
                served.append(definition)
            }
            apply(served, edited: names, reloaded: names)
        }
    }

    /// Serves `definitions`, replaces the instances of the `edited` functions
    /// whose definition did not change, and says what now serves what.
    private func apply(_ definitions: [FunctionDefinition], edited: Set<String>, reloaded: Set<String>) {
        let change = builds.serialized {
            let change = manager.replaceFunctions(with: definitions)
            _ = manager.replaceInstances(of: edited.filter { !change.added.contains($0) && !change.changed.contains($0) }.sorted())
            return change
        }
        if !reloaded.isEmpty || !change.isEmpty {
            manager.recordReload(.succeeded(functions: reloaded.union(change.added).union(change.changed).sorted()))
        }
        let base = "http://127.0.0.1:\(port())"
        for name in change.added {
            sink.write("Reload: now serving \(name)")
            if let function = definitions.first(where: { $0.name == name }) {
                for line in EmulatorHost.routeLines(base: base, functions: [function]) { sink.write(line) }
            }
        }
        for name in change.removed { sink.write("Reload: \(name) is no longer served") }
        let servedNew = reloaded.subtracting(change.added)
        if !servedNew.isEmpty {
            sink.write("Reload: \(servedNew.sorted().joined(separator: ", ")) now serve the new code (idle instances stopped, busy ones stop after their invocation)")
        }
    }
}

/// The Swift functions waiting for a build, and whether a build lane runs.
private final class BuildLane: Sendable {
    private let state = Mutex<(pending: Set<String>, definitions: [FunctionDefinition], running: Bool)>(([], [], false))
    private let applying = Mutex<Void>(())

    /// Runs `body` alone: the watcher and the build lane change the served functions one at a time.
    func serialized<Result>(_ body: () -> Result) -> Result {
        applying.withLock { _ in body() }
    }

    /// Adds `names` (defined as in `definitions`, the latest); true when no lane runs and the caller must start one.
    func request(_ names: Set<String>, definitions: [FunctionDefinition]) -> Bool {
        state.withLock { state in
            state.pending.formUnion(names)
            state.definitions = definitions
            defer { state.running = true }
            return !state.running
        }
    }

    /// The functions to build next, with their definitions; nil (and the lane stops) when none wait.
    func take() -> (Set<String>, [FunctionDefinition])? {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.running = false
                return nil
            }
            defer { state.pending = [] }
            return (state.pending, state.definitions)
        }
    }
}

extension FunctionDefinition {
    var isSwift: Bool { if case .swift = kind { return true } else { return false } }
}

/// How a reload ended.
enum ReloadOutcome: Sendable, Equatable {
    /// These functions serve their new code.
    case succeeded(functions: [String])
    /// The build failed with this message; the last good build still serves.
    case failed(message: String)
}
