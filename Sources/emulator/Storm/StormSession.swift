/// The storms one command runs: one in the current mode, or with `--compare`
/// the same load in each of `modes` (pooled, direct, and http when SQL over
/// HTTP is compared too), each from cold instances, with the mode that was
/// active before restored afterwards.
struct StormSession: Sendable {
    /// How long to wait after a mode switch for the recycled instances to go.
    static let recycleTimeout: Duration = .seconds(15)
    /// How long to wait after that for the database to drop the instances' connections.
    static let settleTimeout: Duration = .seconds(2)

    let runner: StormRunner
    /// The modes to compare, in order; empty to run once in the current mode.
    let modes: [String]
    /// The mode the emulator was in before the storm.
    let initialMode: String?

    /// Runs the storms and returns their reports, in the order they ran.
    func run() async throws -> [StormReport] {
        guard !modes.isEmpty else { return [try await runner.run(mode: initialMode ?? "current")] }
        let admin = AdminClient(target: runner.target)
        var reports: [StormReport] = []
        var current = initialMode
        do {
            for mode in modes {
                if runner.interruption.isTriggered { break }
                do {
                    try await admin.switchMode(to: mode)
                } catch {
                    throw CommandError("--compare: \(error)")
                }
                current = mode
                try await waitUntilIdle(admin, before: mode)
                if runner.interruption.isTriggered { break }
                reports.append(try await runner.run(mode: mode))
            }
        } catch {
            await restore(admin, from: current)
            await admin.close()
            throw error
        }
        await restore(admin, from: current)
        await admin.close()
        return reports
    }

    /// Waits until no instance is left and the database holds no connection
    /// beyond the pool's own (the database is sampled a few times a second),
    /// so that the run starts cold like the other.
    private func waitUntilIdle(_ admin: AdminClient, before mode: String) async throws {
        let started = ContinuousClock.now
        var stats = try await admin.stats()
        while stats.instances > 0, !runner.interruption.isTriggered {
            guard started.duration(to: .now) < Self.recycleTimeout else {
                StandardError.line("storm: \(stats.instances) instances still running \(Self.recycleTimeout) after switching to \(mode); the \(mode) run starts with them")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
            stats = try await admin.stats()
        }
        let settled = ContinuousClock.now
        while let connections = stats.databaseConnections, connections > stats.poolServerConnections ?? 0,
              settled.duration(to: .now) < Self.settleTimeout, !runner.interruption.isTriggered {
            try await Task.sleep(for: .milliseconds(100))
            stats = try await admin.stats()
        }
    }

    /// Switches back to the mode of before the storm, if the storm changed it.
    private func restore(_ admin: AdminClient, from current: String?) async {
        guard let initialMode, current != initialMode else { return }
        do {
            try await admin.switchMode(to: initialMode)
        } catch {
            StandardError.line("storm: could not restore \(initialMode) mode: \(error)")
        }
    }
}
