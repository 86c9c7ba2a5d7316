import NIOCore
import NIOHTTP1

/// The load of a storm: `concurrency` callers, each on its own keep-alive
/// connection (reopened when the server closes it), sending one request
/// after another until the budget is spent.
struct LoadGenerator: Sendable {
    /// The request every caller sends.
    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var body: ByteBuffer?
    }

    /// How long a caller waits for an answer before counting a failure.
    static let answerTimeout: TimeAmount = .seconds(60)

    let target: StormTarget
    let request: Request
    let concurrency: Int
    let budget: RequestBudget
    let recorder: LoadRecorder

    /// Runs every caller until the budget is spent or the task is cancelled.
    /// A request cut short by cancellation is not recorded.
    func run() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<concurrency {
                group.addTask { await caller() }
            }
        }
    }

    private func caller() async {
        var connection: HTTPConnection?
        while !Task.isCancelled, budget.take() {
            let started = ContinuousClock.now
            var failure: String?
            do {
                let open = try await openConnection(connection)
                connection = open
                let reply = try await open.send(
                    request.method, request.path, body: request.body, timeout: Self.answerTimeout)
                failure = StormFailure.cause(of: reply)
            } catch {
                if Task.isCancelled { break }
                if case HTTPConnectionError.cannotConnect(let reason) = error, reason == HTTPConnectionError.refused {
                    // Nothing listens on the port: the emulator has stopped. Hammering it would only count refusals.
                    budget.stopTargetGone(reason)
                    break
                }
                failure = StormFailure.cause(of: error)
                await connection?.close()
                connection = nil
            }
            recorder.record(LoadSample(milliseconds: started.duration(to: .now).milliseconds, failure: failure))
        }
        await connection?.close()
    }

    private func openConnection(_ connection: HTTPConnection?) async throws -> HTTPConnection {
        if let connection, connection.isOpen { return connection }
        await connection?.close()
        return try await HTTPConnection.connect(to: target)
    }
}
