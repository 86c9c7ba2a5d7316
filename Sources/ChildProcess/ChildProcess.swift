#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A running (or finished) child process started by ``spawn(_:)``.
///
/// Children are started from one long-lived thread of the host with a
/// parent-death signal, so none outlives the host, and reaped by that same
/// thread as they exit. Any number of tasks may wait for the exit.
public final class ChildProcess: Sendable {
    /// The child's process id (and process-group id when it leads a group).
    public let pid: Int32
    /// Read end of the child's standard output when started with `.pipe`; the caller owns it.
    public let standardOutput: Int32?
    /// Read end of the child's standard error when started with `.pipe`; the caller owns it.
    public let standardError: Int32?
    private let signalsGroup: Bool
    private let state = Mutex<State>(State())

    private struct State {
        var exitStatus: TerminationStatus?
        var waiters: [@Sendable (TerminationStatus) -> Void] = []
    }

    init(pid: Int32, standardOutput: Int32?, standardError: Int32?, signalsGroup: Bool) {
        self.pid = pid
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.signalsGroup = signalsGroup
    }

    /// Starts a child. Throws ``SpawnError`` naming the program and the failed step.
    public static func spawn(_ spec: ProcessSpec) async throws -> ChildProcess {
        try await Launcher.shared.spawn(spec, collectOutput: nil)
    }

    /// Runs a child to completion and returns its status with its standard
    /// output and error, interleaved as written. A child still running after
    /// `timeout` is killed (its status is then `.signaled(SIGKILL)`).
    public static func run(
        _ spec: ProcessSpec, timeout: Duration? = nil
    ) async throws -> (status: TerminationStatus, output: String) {
        let collector = OutputCollector()
        let child = try await Launcher.shared.spawn(spec, collectOutput: collector)
        let watchdog = timeout.map { timeout in
            Task {
                try await Task.sleep(for: timeout)
                child.signal(SIGKILL)
            }
        }
        let status = await child.waitForExit()
        watchdog?.cancel()
        let output = await collector.text()
        return (status, output)
    }

    /// How the child ended, or `nil` while it runs.
    public var exitStatus: TerminationStatus? { state.withLock { $0.exitStatus } }

    /// Sends `signal` to the child, or to its whole process group when it leads one.
    public func signal(_ signal: Int32) {
        if signalsGroup {
            _ = kill(-pid, signal)
        } else if exitStatus == nil {
            _ = kill(pid, signal)
        }
    }

    /// Waits until the child has exited and been reaped.
    public func waitForExit() async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            whenExited { continuation.resume(returning: $0) }
        }
    }

    /// Calls `body` once the child has exited and been reaped: at once on the
    /// caller's thread if it already has, else on the launcher thread, which
    /// reaps every child, so `body` must be short and never block.
    ///
    /// Costs no task while the child runs: a host holding a thousand children
    /// keeps a closure for each, not a suspended task with its task-locals.
    public func whenExited(_ body: @escaping @Sendable (TerminationStatus) -> Void) {
        let finished: TerminationStatus? = state.withLock { state in
            if let status = state.exitStatus { return status }
            state.waiters.append(body)
            return nil
        }
        if let finished { body(finished) }
    }

    /// Called by the launcher thread once the child is reaped.
    func markExited(_ status: TerminationStatus) {
        let waiters = state.withLock { state -> [@Sendable (TerminationStatus) -> Void] in
            state.exitStatus = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter(status) }
    }
}

/// Gathers a child's output, read by the launcher thread, for ``ChildProcess/run(_:)``.
final class OutputCollector: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var finished = false
        var waiter: CheckedContinuation<String, Never>?
    }
    private let state = Mutex<State>(State())

    func append(_ chunk: UnsafeRawBufferPointer) {
        state.withLock { $0.bytes.append(contentsOf: chunk) }
    }

    func finish() {
        let (waiter, text) = state.withLock { state -> (CheckedContinuation<String, Never>?, String) in
            state.finished = true
            defer { state.waiter = nil }
            return (state.waiter, String(decoding: state.bytes, as: UTF8.self))
        }
        waiter?.resume(returning: text)
    }

    func text() async -> String {
        await withCheckedContinuation { continuation in
            let ready: String? = state.withLock { state in
                if state.finished { return String(decoding: state.bytes, as: UTF8.self) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
