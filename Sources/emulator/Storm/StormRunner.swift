/// Runs one storm against the emulator and measures it: the load, the stats
/// poller and the progress display side by side. On an interruption it stops
/// sending and gives requests in flight a few seconds to finish.
struct StormRunner: Sendable {
    /// How long requests in flight may finish after Ctrl-C.
    static let interruptGrace: Duration = .seconds(3)

    let target: StormTarget
    let request: LoadGenerator.Request
    let concurrency: Int
    let limit: RequestBudget.Limit
    let interruption: Interruption

    /// Runs the storm, labelled `mode`, and reports it.
    func run(mode: String) async throws -> StormReport {
        let poller = try await StatsPoller.start(target: target)
        let recorder = LoadRecorder()
        let started = ContinuousClock.now
        let budget = RequestBudget(limit)
        let load = LoadGenerator(
            target: target, request: request, concurrency: concurrency, budget: budget, recorder: recorder)
        let progress = ProgressDisplay(mode: mode, limit: limit, recorder: recorder, started: started)

        /// Which child of the group ended.
        enum Ended { case load, graceOver, helper }
        await withTaskGroup(of: Ended.self) { group in
            group.addTask {
                await load.run()
                return .load
            }
            group.addTask { [interruption] in
                await interruption.wait()
                guard !Task.isCancelled else { return .helper }
                budget.stop()
                try? await Task.sleep(for: Self.interruptGrace)
                return .graceOver
            }
            group.addTask {
                await poller.run()
                return .helper
            }
            group.addTask {
                await progress.run()
                return .helper
            }
            while let ended = await group.next() {
                if ended == .load || ended == .graceOver { break }
            }
            group.cancelAll()
        }
        let wall = started.duration(to: .now)
        if let reason = budget.targetGone {
            throw CommandError(
                "the emulator at \(target) is gone (\(reason)) after \(recorder.samples.count) requests; the storm stopped")
        }
        return StormReport(
            mode: mode, samples: recorder.samples, observation: await poller.finish(), wall: wall,
            interrupted: interruption.isTriggered)
    }
}
