/// Why running a request's SQL failed.
enum ExecutionError: Error, Sendable {
    /// The database (or the pool, for its own limits) reported an error.
    case server(ServerError)
    /// The rows are more than the response may hold.
    case responseTooLarge(limit: Int)
    /// The pool could not be reached or dropped the connection.
    case wire(WireError)
}
