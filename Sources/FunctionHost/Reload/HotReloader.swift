import EmulatorConfig
import Foundation
import Logging

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
struct HotReloader: Sendable {
    let settings: ReloadSettings
    let manager: InstanceManager
    let sink: LogSink

    /// Watches until cancelled.
    func run() async {
        var last = fingerprint()
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.interval)
            let current = fingerprint()
            let changed = current.changes(since: last)
            guard !changed.isEmpty else { continue }
            last = current
            await reload(affectedBy: changed)
            // Files written while building are picked up by the next look.
        }
    }

    private func fingerprint() -> SourceFingerprint {
        SourceFingerprint(roots: [settings.functionsDirectory, settings.configFile] + settings.sharedSources)
    }

    private func reload(affectedBy changed: Set<String>) async {
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
                return
            }
        }
        let sharedChanged = changed.contains { path in settings.sharedSources.contains { path.hasPrefix($0 + "/") } }
        let edited = definitions.filter { function in
            (sharedChanged && function.isSwift) || changed.contains { $0.hasPrefix(function.directory + "/") }
        }
        let redefined = definitions.filter { !current.contains($0) }
        let removed = current.filter { function in !definitions.contains { $0.name == function.name } }
        for key in needsRestart { sink.write("Reload: runtime.json \(key) changed; it takes effect after a restart") }
        guard !(edited + redefined + removed).isEmpty else { return }
        let names = Set((edited + redefined + removed).map(\.name)).sorted().joined(separator: ", ")
        sink.write("Reload: \(names) changed")
        if (edited + redefined).contains(where: \.isSwift) {
            do {
                try await settings.build()
            } catch {
                manager.recordReload(.failed(message: "\(error)"))
                sink.write("Reload: the build failed; still serving the last good build of \(names):\n\(error)")
                return
            }
        }
        let change = manager.replaceFunctions(with: definitions)
        _ = manager.replaceInstances(of: edited.map(\.name).filter { !change.added.contains($0) && !change.changed.contains($0) })
        manager.recordReload(.succeeded(functions: Set((edited + redefined).map(\.name)).sorted()))
        for name in change.added { sink.write("Reload: now serving \(name)") }
        for name in change.removed { sink.write("Reload: \(name) is no longer served") }
        if !(edited + redefined).isEmpty {
            let served = Set((edited + redefined).map(\.name)).sorted().joined(separator: ", ")
            sink.write("Reload: \(served) now serve the new code (idle instances stopped, busy ones stop after their invocation)")
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
