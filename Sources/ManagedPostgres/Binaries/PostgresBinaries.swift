import ChildProcess
import Foundation

/// A directory holding the PostgreSQL programs this module runs.
public struct PostgresBinaries: Sendable, Equatable {
    /// The directory, e.g. `/usr/lib/postgresql/15/bin`.
    public let directory: String

    /// Programs that must all be present in ``directory``.
    static let requiredPrograms = ["postgres", "initdb", "psql", "pg_isready"]

    /// Uses the programs in `directory` as they are.
    public init(directory: String) {
        self.directory = directory
    }

    /// The server.
    public var postgres: String { "\(directory)/postgres" }
    /// The cluster creator.
    public var initdb: String { "\(directory)/initdb" }
    /// The interactive terminal, used here to set up roles and apply setup SQL.
    public var psql: String { "\(directory)/psql" }
    /// The readiness probe.
    public var pgIsReady: String { "\(directory)/pg_isready" }
    /// The benchmark tool (from the same installation; may be absent).
    public var pgbench: String { "\(directory)/pgbench" }

    /// Finds the programs: first the directory of a `postgres` in `searchPath`
    /// (the host's `PATH` by default; symbolic links are followed), then the
    /// highest version under `installRoot` (Debian's `/usr/lib/postgresql/<version>/bin`).
    /// Throws ``ManagedPostgresError/binariesNotFound(searched:)`` naming the package to install.
    public static func locate(
        searchPath: String? = nil,
        installRoot: String = "/usr/lib/postgresql"
    ) throws -> PostgresBinaries {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var candidates: [String] = []
        if let server = ProcessSpec.findExecutable("postgres", searchPath: path) {
            let resolved = URL(fileURLWithPath: server).resolvingSymlinksInPath().path
            candidates.append((resolved as NSString).deletingLastPathComponent)
            candidates.append((server as NSString).deletingLastPathComponent)
        }
        candidates += installedVersions(under: installRoot).map { "\(installRoot)/\($0)/bin" }
        for directory in candidates where isComplete(directory) {
            return PostgresBinaries(directory: directory)
        }
        throw ManagedPostgresError.binariesNotFound(searched: ["PATH (\(path))", "\(installRoot)/*/bin"])
    }

    /// Version folder names under `root`, highest version first (`16`, `15`, `9.6`).
    static func installedVersions(under root: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        func key(_ name: String) -> [Int] { name.split(separator: ".").map { Int($0) ?? -1 } }
        return names.filter { key($0).allSatisfy { $0 >= 0 } }
            .sorted { key($0).lexicographicallyPrecedes(key($1)) }
            .reversed()
    }

    private static func isComplete(_ directory: String) -> Bool {
        requiredPrograms.allSatisfy { FileManager.default.isExecutableFile(atPath: "\(directory)/\($0)") }
    }
}
