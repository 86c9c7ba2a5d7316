/// A request body: one statement, or several to run in one transaction.
enum SQLRequest: Sendable, Equatable {
    /// `{"query": "...", "params": [...]}`.
    case single(Statement)
    /// `{"queries": [{"query": ..., "params": ...}, ...]}`.
    case batch([Statement])
}

/// One statement with its parameters as PostgreSQL text (nil for NULL).
struct Statement: Sendable, Equatable {
    var query: String
    var parameters: [String?]
    /// The statement's own `arrayMode`, overriding the `Neon-Array-Mode` header.
    var arrayMode: Bool?
}
