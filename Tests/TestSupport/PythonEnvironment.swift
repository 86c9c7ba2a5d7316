import ChildProcess
import Foundation

/// A Python virtual environment with packages from PyPI, for tests that need a
/// real client library (psycopg, asyncpg, selenium, ...). Created once under
/// the package's `.build-python/` (ignored by git) and reused by later runs;
/// packages are installed when first asked for.
public actor PythonEnvironment {
    /// The environment every test shares.
    public static let shared = PythonEnvironment(
        directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path + "/.build-python/venv")

    private let directory: String
    private var installed: Set<String> = []

    private init(directory: String) {
        self.directory = directory
    }

    /// The environment's `python`, with `packages` (pip requirement strings) installed.
    public func python(with packages: [String]) async throws -> String {
        let python = directory + "/bin/python"
        if !FileManager.default.isExecutableFile(atPath: python) {
            try await run("/usr/bin/python3", ["-m", "venv", directory])
        }
        let missing = packages.filter { !installed.contains($0) }
        if !missing.isEmpty {
            try await run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + missing)
            installed.formUnion(missing)
        }
        return python
    }

    private func run(_ executable: String, _ arguments: [String]) async throws {
        let result = try await ChildProcess.run(
            ProcessSpec(
                executable: executable, arguments: arguments,
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                              "HOME": NSHomeDirectory()],
                output: .pipe),
            timeout: .seconds(600))
        guard result.status.isSuccess else {
            throw PythonEnvironmentError(command: ([executable] + arguments).joined(separator: " "), output: result.output)
        }
    }
}

/// A `python -m venv` or `pip install` that failed.
public struct PythonEnvironmentError: Error, CustomStringConvertible {
    /// The command that failed.
    public let command: String
    /// What it printed.
    public let output: String
    public var description: String { "\(command) failed:\n\(output)" }
}
