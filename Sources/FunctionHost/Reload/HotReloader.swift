import EmulatorConfig
import Foundation
import Logging

/// What the host watches while it serves, and how it rebuilds.
public struct ReloadSettings: Sendable {
    /// Folders whose changes concern every Swift function (the function SDK's sources).
    public var sharedSources: [String]
    /// Rebuilds the Swift functions; throws with the compiler's output when the build fails.
    public var build: @Sendable () async throws -> Void
    /// How often the files are looked at.
    public var interval: Duration

    /// Creates settings; see the properties.
    public init(sharedSources: [String], interval: Duration = .milliseconds(500), build: @escaping @Sendable () async throws -> Void) {
        self.sharedSources = sharedSources
        self.interval = interval
        self.build = build
    }
}

/// Watches the functions' folders (and the SDK's sources) while the host
/// serves. When a function's files change it rebuilds what needs building
/// and, on success, replaces that function's instances: idle ones stop at
/// once, busy ones after their invocation, and new invocations start the new
/// code. When the build fails the last good build keeps serving and the
/// compiler's message is shown.
struct HotReloader: Sendable {
    let functions: [FunctionDefinition]
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
        SourceFingerprint(roots: functions.map(\.directory) + settings.sharedSources)
    }

    private func reload(affectedBy changed: Set<String>) async {
        let sharedChanged = changed.contains { path in settings.sharedSources.contains { path.hasPrefix($0 + "/") } }
        let affected = functions.filter { function in
            (sharedChanged && function.isSwift) || changed.contains { $0.hasPrefix(function.directory + "/") }
        }
        guard !affected.isEmpty else { return }
        let names = affected.map(\.name).sorted().joined(separator: ", ")
        sink.write("Reload: \(names) changed")
        if affected.contains(where: \.isSwift) {
            do {
                try await settings.build()
            } catch {
                manager.recordReload(.failed(message: "\(error)"))
                sink.write("Reload: the build failed; still serving the last good build of \(names):\n\(error)")
                return
            }
        }
        let recycled = manager.replaceInstances(of: affected.map(\.name))
        manager.recordReload(.succeeded(functions: affected.map(\.name).sorted()))
        sink.write("Reload: \(names) now serve the new code (\(recycled) idle instances stopped; busy ones stop after their invocation)")
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
