import Foundation

/// A function started as a real process, the way the host starts an instance:
/// a clean environment plus the Lambda variables. Its standard error is kept.
final class FunctionProcess: Sendable {
    private let process: Process
    private let standardError: Pipe

    /// Starts `executable` with exactly `environment` (plus `PATH`). When a
    /// `peer` is given, its open waits end as soon as the process exits.
    init(
        _ executable: URL,
        environment: [String: String],
        workingDirectory: URL? = nil,
        peer: RuntimeAPIPeer? = nil
    ) throws {
        process = Process()
        standardError = Pipe()
        process.executableURL = executable
        var environment = environment
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = environment
        process.currentDirectoryURL = workingDirectory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = standardError
        process.terminationHandler = { process in
            if let peer {
                Task { await peer.abandonWaits("\(executable.lastPathComponent) exited with status \(process.terminationStatus)") }
            }
        }
        try process.run()
    }

    /// Waits for the process to exit by itself; returns its status and everything it wrote to standard error.
    func waitForExit() async -> (status: Int32, standardError: String) {
        let output = await Task.detached { [standardError] in
            String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }.value
        await Task.detached { [process] in process.waitUntilExit() }.value
        return (process.terminationStatus, output)
    }

    /// Kills the process (if it still runs) and waits for it.
    func stop() async {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        _ = await waitForExit()
    }
}
