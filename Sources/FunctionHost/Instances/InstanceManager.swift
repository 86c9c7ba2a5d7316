import ChildProcess
import EmulatorConfig
import Foundation
import Logging
import NIOCore
import Synchronization

/// Runs invocations on instances the Lambda way: an idle warm instance if
/// there is one, else a new one (cold start), else 429; kills instances that
/// time out, replaces those that crash, and stops those idle too long.
final class InstanceManager: Sendable {
    /// The functions served and their routes.
    let functions: FunctionCatalog
    private let launcher: InstanceLauncher
    private let sink: LogSink
    private let logger: Logger
    private let database: DatabaseRouting
    private let stopping = Atomic<Bool>(false)
    private let lastReload = Mutex<(outcome: ReloadOutcome, at: Date)?>(nil)
    /// Every request's outcome, for the dashboard and the metrics.
    let recorder = InvocationRecorder()

    init(
        functions: [FunctionDefinition], limits: ConcurrencyLimits, launcher: InstanceLauncher,
        database: DatabaseRouting, sink: LogSink, logger: Logger
    ) {
        self.functions = FunctionCatalog(functions, limits: limits)
        self.launcher = launcher
        self.database = database
        self.sink = sink
        self.logger = logger
    }

    /// What a request to a function gets.
    enum Answer {
        case finished(InvocationResult)
        case throttled
        case launchFailed(String)
    }

    /// Runs one invocation of `function` with the event `payload`.
    func invoke(function name: String, payload: ByteBuffer) async -> Answer {
        guard let function = functions[name] else { return .launchFailed("no function named \(name)") }
        let lease: FunctionInstances.Lease
        do { lease = try function.reserve() } catch {
            function.stats.recordThrottle()
            recorder.refused(function: name, cause: .throttled)
            logger.info("\(name): 429 throttled (\(error))")
            return .throttled
        }
        let started = ContinuousClock.now
        let instance: Instance
        switch lease {
        case .warm(let warm):
            instance = warm
        case .cold:
            do {
                instance = try await launch(function, coldStartBegan: started)
            } catch {
                _ = function.finished(nil)
                function.stats.recordStartFailure()
                recorder.refused(function: name, cause: .startFailed)
                logger.error("\(name): cannot start an instance: \(error)")
                return .launchFailed("cannot start an instance of \(name): \(error)")
            }
        }
        let requestId = UUID().uuidString.lowercased()
        let prefix = "[\(name)/\(instance.id)]"
        sink.write("\(prefix) START RequestId: \(requestId) Version: $LATEST")
        let outcome = await instance.invoke(requestId: requestId, payload: payload)
        let total = ContinuousClock.now - started
        // What the handler printed before answering comes before its END line.
        await instance.outputDrained()
        let result = InvocationResult(
            requestId: requestId, outcome: outcome, coldStart: lease.isCold, instanceID: instance.id,
            totalMilliseconds: total.milliseconds)
        report(result, instance: instance, total: total, prefix: prefix)
        function.stats.record(result)
        recorder.finished(result, function: name)
        function.finished(instance, reusable: database.isCurrent(instance.generation))?.terminate()
        return .finished(result)
    }

    private func launch(_ function: FunctionInstances, coldStartBegan: ContinuousClock.Instant) async throws -> Instance {
        let delay = function.definition.settings.coldStartDelayMs
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        let instance = try await launcher.launch(
            function.definition, coldStartBegan: coldStartBegan, codeGeneration: function.codeGeneration
        ) { [weak self, weak function] instance, status in
            function?.removed(instance)
            guard let self, !self.stopping.load(ordering: .relaxed), status != .signaled(SIGKILL) else { return }
            self.logger.info("[\(instance.functionName)/\(instance.id)] instance exited: \(status)")
        }
        function.added(instance)
        return instance
    }

    private func report(_ result: InvocationResult, instance: Instance, total: Duration, prefix: String) {
        let initDuration = result.coldStart ? instance.initDuration : nil
        let duration = max(0, total.milliseconds - (initDuration?.milliseconds ?? 0))
        let maxMemory = instance.maxMemoryUsed
        switch result.outcome {
        case .timedOut(let seconds):
            sink.write("\(prefix) \(Self.timestamp()) \(result.requestId) Task timed out after \(String(format: "%.2f", seconds)) seconds")
        case .crashed(let status):
            sink.write("\(prefix) RequestId: \(result.requestId) Error: Runtime exited with error: \(status)")
        case .outOfMemory(let limitMB):
            sink.write("\(prefix) RequestId: \(result.requestId) Error: Runtime exited with error: signal: killed Runtime.OutOfMemory (memory above \(limitMB) MB)")
        case .response, .functionError, .initError, .responseTooLarge:
            // The caller gets API Gateway's "Internal server error"; the error itself is here.
            if let error = InvocationError(result) {
                sink.write("\(prefix) \(Self.timestamp()) \(result.requestId) ERROR \(error.type): \(error.message)")
            }
        }
        var report = "\(prefix) REPORT RequestId: \(result.requestId)\tDuration: \(Self.twoDecimals(duration)) ms"
        report += "\tBilled Duration: \(Int(duration.rounded(.up))) ms\tMemory Size: \(instance.memoryMB) MB"
        report += "\tMax Memory Used: \(maxMemory.map(String.init) ?? "-") MB"
        if let initDuration { report += "\tInit Duration: \(Self.twoDecimals(initDuration.milliseconds)) ms" }
        sink.write(lines: ["\(prefix) END RequestId: \(result.requestId)", report])
    }

    /// `value` (not negative) with two decimals, as `%.2f` would print it.
    private static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func timestamp() -> String {
        Date.now.ISO8601Format(.iso8601WithTimeZone(includingFractionalSeconds: true))
    }

    // MARK: Database mode

    /// The mode new instances start in.
    var mode: DatabaseMode { database.mode }

    /// Switches new instances to `mode`'s URL and stops every idle instance;
    /// busy ones finish their invocation and are stopped then. Returns the
    /// previous mode and how many instances were stopped at once.
    func switchMode(to mode: DatabaseMode) throws(DatabaseRouting.SwitchError) -> (previous: DatabaseMode, recycled: Int) {
        let previous = try database.switchTo(mode)
        let idle = functions.all.flatMap { $0.takeIdle() }
        for instance in idle { instance.terminate() }
        sink.write("Database mode: \(mode.rawValue) (was \(previous.rawValue)); \(idle.count) idle instances stopped, busy ones stop after their invocation")
        return (previous, idle.count)
    }

    // MARK: Reloading

    /// After the code of `names` changed: stops their idle instances now and
    /// their busy ones after the invocation. Returns how many were stopped now.
    func replaceInstances(of names: [String]) -> Int {
        let idle = names.compactMap { functions[$0] }.flatMap { $0.replaceAll() }
        for instance in idle { instance.terminate() }
        return idle.count
    }

    /// Serves `definitions` from now on (runtime.json or `Functions/` changed):
    /// new functions are served at once, changed ones start fresh instances,
    /// and the instances of changed and removed functions are drained.
    func replaceFunctions(with definitions: [FunctionDefinition]) -> FunctionCatalog.Change {
        let change = functions.replace(with: definitions)
        for retired in change.retired {
            for instance in retired.replaceAll() { instance.terminate() }
        }
        return change
    }

    /// Records how the last reload went, for the stats.
    func recordReload(_ outcome: ReloadOutcome) {
        lastReload.withLock { $0 = (outcome, .now) }
    }

    /// How the last reload went and when, nil before the first.
    var reloadStatus: (outcome: ReloadOutcome, at: Date)? { lastReload.withLock { $0 } }

    // MARK: Housekeeping

    /// Stops instances idle longer than their function's `idleTimeoutSeconds`,
    /// checking every `interval` until cancelled.
    func sweepIdleInstances(every interval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            for function in functions.all {
                for instance in function.takeExpired(now: now) {
                    instance.terminate()
                }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Kills every instance and waits until all have exited.
    func shutdown() async {
        stopping.store(true, ordering: .relaxed)
        let instances = functions.allIncludingRetired.flatMap(\.instances)
        for instance in instances { instance.terminate() }
        for instance in instances { _ = await instance.process?.waitForExit() }
    }

    // MARK: Observation

    /// Instance counts, counters and latencies of every function.
    func snapshot() -> [String: FunctionSnapshot] {
        Dictionary(uniqueKeysWithValues: functions.all.map { function in
            let (counters, latency) = function.stats.snapshot()
            return (function.definition.name, FunctionSnapshot(
                instances: function.counts(), instanceList: function.summaries(), counters: counters, latency: latency))
        })
    }
}

extension FunctionInstances.Lease {
    var isCold: Bool { if case .cold = self { return true } else { return false } }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

/// One function's state for `/_emulator/stats`.
struct FunctionSnapshot: Sendable, Equatable {
    var instances: InstanceCounts
    var instanceList: [InstanceSummary]
    var counters: FunctionCounters
    var latency: LatencyPercentiles
}
