import ChildProcess
import Foundation
import Synchronization

/// Runs the storms the dashboard starts, one at a time, as a child process
/// (the emulator's own `storm` command, aimed at this host) whose standard
/// output is its JSON report; keeps the status and the last result.
final class StormControl: Sendable {
    /// How the host starts a storm against `target` (`http://127.0.0.1:<port>`).
    typealias CommandLine = @Sendable (_ request: StormRequest, _ target: String) -> ProcessSpec

    private let command: CommandLine?
    private let sink: LogSink
    private let state = Mutex(State())

    private struct State {
        var target: String?
        var phase = Phase.idle
        var request: StormRequest?
        var startedAt: Date?
        var finishedAt: Date?
        /// The storm's last line on standard error: its progress.
        var progress: String?
        /// The report (JSON text) of a storm that finished.
        var report: String?
        var error: String?
        var process: ChildProcess?
        var stopped = false
    }

    enum Phase: String {
        case idle, running, finished, failed
    }

    /// Why a storm was not started.
    enum Refusal: Error {
        /// This host was given no way to start storms, or does not listen yet.
        case unavailable
        /// A storm is running.
        case busy
        /// The storm's process could not be started.
        case spawnFailed(String)
    }

    init(command: CommandLine?, sink: LogSink) {
        self.command = command
        self.sink = sink
    }

    /// Aims storms at the front door once it listens on `port`.
    func listening(on port: Int) {
        state.withLock { $0.target = "http://127.0.0.1:\(port)" }
    }

    /// Starts a storm unless one is running.
    func start(_ request: StormRequest) async throws(Refusal) {
        let spec = try state.withLock { (state: inout State) throws(Refusal) -> ProcessSpec in
            guard let command, let target = state.target, !state.stopped else { throw .unavailable }
            guard state.phase != .running else { throw .busy }
            state = State(target: target, phase: .running, request: request, startedAt: Date())
            return command(request, target)
        }
        let process: ChildProcess
        do {
            process = try await ChildProcess.spawn(spec)
        } catch {
            state.withLock {
                $0.phase = .failed
                $0.error = "\(error)"
                $0.finishedAt = Date()
            }
            throw .spawnFailed("\(error)")
        }
        let stopped = state.withLock { state in
            state.process = process
            return state.stopped
        }
        if stopped { process.signal(SIGKILL) }
        sink.write("[storm] \(request.method) \(request.path): \(request.concurrency) concurrent callers, \(request.requests) requests\(request.compare ? " per mode, pooled then direct" : "")")
        Task { await self.follow(process) }
    }

    /// Collects the report and the progress until the storm's process ends.
    private func follow(_ process: ChildProcess) async {
        async let report = Self.lines(of: process.standardOutput)
        async let lastWords = forwardProgress(process.standardError)
        let (text, said) = await (report.joined(separator: "\n"), lastWords.joined(separator: "\n"))
        let status = await process.waitForExit()
        let isReport = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any]
        state.withLock { state in
            state.process = nil
            state.finishedAt = Date()
            if status.isSuccess, isReport {
                state.phase = .finished
                state.report = text
            } else {
                state.phase = .failed
                state.error = "the storm ended with \(status)" + (said.isEmpty ? "" : ": \(said)")
            }
        }
    }

    /// Every line of a pipe.
    private static func lines(of descriptor: Int32?) async -> [String] {
        guard let descriptor else { return [] }
        var lines: [String] = []
        try? await PipeReader.readLines(descriptor) { lines.append($0) }
        return lines
    }

    /// Logs the storm's standard error as `[storm]` lines and keeps the last as
    /// its progress; returns the last few lines (what a failed storm said).
    private func forwardProgress(_ descriptor: Int32?) async -> [String] {
        guard let descriptor else { return [] }
        var last: [String] = []
        try? await PipeReader.readLines(descriptor) { line in
            sink.write("[storm] \(line)")
            last = Array((last + [line]).suffix(5))
            state.withLock { $0.progress = line }
        }
        return last
    }

    /// Kills a running storm and refuses new ones (the host is stopping).
    func stop() {
        let process = state.withLock { state in
            state.stopped = true
            return state.process
        }
        process?.signal(SIGKILL)
    }

    /// `GET /_emulator/storm`: `state`, the `request`, when it started and
    /// finished, its `progress`, and the `report` or the `error`.
    var json: [String: Any] {
        state.withLock { state in
            var object: [String: Any] = ["state": state.phase.rawValue, "available": command != nil]
            if let request = state.request { object["request"] = request.json }
            if let startedAt = state.startedAt { object["startedAt"] = (startedAt.timeIntervalSince1970 * 1000).rounded() }
            if let finishedAt = state.finishedAt { object["finishedAt"] = (finishedAt.timeIntervalSince1970 * 1000).rounded() }
            if let progress = state.progress { object["progress"] = progress }
            if let report = state.report { object["report"] = try? JSONSerialization.jsonObject(with: Data(report.utf8)) }
            if let error = state.error { object["error"] = error }
            return object
        }
    }
}
