#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChildProcess
import Logging
import Synchronization

/// A running `postgres` server: a direct child of the host that receives
/// SIGINT (fast shutdown) when the host dies, with its output in the log.
final class PostgresServer: Sendable {
    let process: ChildProcess
    let log: ServerLog
    let port: Int
    private let stopRequested = Mutex(false)

    private init(process: ChildProcess, log: ServerLog, port: Int) {
        self.process = process
        self.log = log
        self.port = port
    }

    /// Spawns the server (not `pg_ctl`, so it stays our child).
    static func spawn(
        binaries: PostgresBinaries,
        commandLine: ServerCommandLine,
        account: ServerAccount,
        logger: Logger
    ) async throws -> PostgresServer {
        let spec = ProcessSpec(
            executable: binaries.postgres,
            arguments: commandLine.arguments,
            environment: [:],
            workingDirectory: commandLine.dataDirectory,
            user: account.user,
            output: .pipe,
            parentDeathSignal: SIGINT
        )
        let process = try await ChildProcess.spawn(spec)
        let log = ServerLog(logger: logger)
        if let output = process.standardOutput { log.follow(output) }
        if let errors = process.standardError { log.follow(errors) }
        return PostgresServer(process: process, log: log, port: commandLine.configuration.port)
    }

    /// Waits until the server accepts connections: `pg_isready` confirms once
    /// the log says so, and is asked every second in case the log is in
    /// another language. Throws when the server exits first or `timeout`
    /// passes; the server is then stopped.
    func waitUntilReady(binaries: PostgresBinaries, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let probe = ProcessSpec(
            executable: binaries.pgIsReady,
            arguments: ["-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-t", "2"],
            output: .discard
        )
        var lastProbe = clock.now
        while true {
            if let status = process.exitStatus {
                await drainLog()
                throw ManagedPostgresError.serverExited(status: status.description, log: log.recentLines)
            }
            if log.reportedReady || clock.now - lastProbe >= .seconds(1) {
                lastProbe = clock.now
                if try await ChildProcess.run(probe).status.isSuccess { return }
            }
            if clock.now >= deadline {
                let lines = log.recentLines
                await stop(timeout: .seconds(5))
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                throw ManagedPostgresError.startupTimedOut(seconds: seconds, port: port, log: lines)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Logs it when the server exits without ``stop(timeout:)``: a warning
    /// when someone else shut it down cleanly, an error with its last log
    /// lines when it failed.
    func reportUnexpectedExit(to logger: Logger) {
        Task { [self] in
            let status = await process.waitForExit()
            guard !stopRequested.withLock({ $0 }) else { return }
            if status.isSuccess {
                logger.warning("PostgreSQL (pid \(process.pid)) was shut down from outside the emulator")
                return
            }
            await drainLog()
            logger.error(
                "PostgreSQL (pid \(process.pid)) exited unexpectedly (\(status)). Last log lines:\n\(log.recentLines.joined(separator: "\n"))")
        }
    }

    /// Fast shutdown (SIGINT); immediate shutdown (SIGQUIT) when that takes
    /// longer than `timeout`, SIGKILL five seconds after that. Returns once the
    /// server has exited, also when called again while it shuts down.
    func stop(timeout: Duration) async {
        let alreadyStopping = stopRequested.withLock { requested in
            defer { requested = true }
            return requested
        }
        if alreadyStopping {
            _ = await process.waitForExit()
            return
        }
        guard process.exitStatus == nil else { return }
        for (signal, patience) in [(SIGINT, timeout), (SIGQUIT, .seconds(5))] {
            process.signal(signal)
            if await exited(within: patience) { return }
        }
        process.signal(SIGKILL)
        _ = await process.waitForExit()
    }

    private func exited(within timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.exitStatus == nil {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Gives the log threads a moment to read what an exited server wrote last.
    private func drainLog() async {
        try? await Task.sleep(for: .milliseconds(100))
    }
}
