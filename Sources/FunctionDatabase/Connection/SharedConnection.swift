import Synchronization

/// The connection ``Database/shared`` keeps for the life of the instance:
/// opened on first use, reused by every later invocation, and opened again on
/// the next use after it was lost or failed to open. Callers that arrive
/// while it is being opened wait for the same attempt.
final class SharedConnection: Sendable {
    private enum State {
        case idle
        case opening(Task<DatabaseConnection, any Error>)
        case open(DatabaseConnection)
    }

    private enum Step {
        case use(DatabaseConnection)
        case wait(Task<DatabaseConnection, any Error>)
    }

    private let state = Mutex(State.idle)

    /// The kept connection, opened now when there is no usable one.
    func connection() async throws -> DatabaseConnection {
        let step = state.withLock { state -> Step in
            switch state {
            case .open(let connection) where !connection.postgres.isClosed:
                return .use(connection)
            case .opening(let task):
                return .wait(task)
            case .idle, .open:
                let task = Task {
                    let (postgres, settings) = try await Connector.connect()
                    return DatabaseConnection(postgres: postgres, settings: settings)
                }
                state = .opening(task)
                return .wait(task)
            }
        }
        switch step {
        case .use(let connection):
            return connection
        case .wait(let task):
            let result = await task.result
            state.withLock { state in
                guard case .opening(let current) = state, current == task else { return }
                state = (try? result.get()).map(State.open) ?? .idle
            }
            return try result.get()
        }
    }
}
