/// A request the endpoint cannot run, before any SQL is sent.
enum RequestError: Error, Sendable, Equatable {
    /// The body is not JSON.
    case malformedJSON(String)
    /// The body is JSON but not a request (no query, params not an array, ...).
    case badBody(String)
    /// No `Neon-Connection-String` header.
    case missingConnectionString
    /// The connection string cannot be used; the reason names the part.
    case badConnectionString(String)
    /// `Neon-Batch-Isolation-Level` names no isolation level.
    case badIsolationLevel(String)
    /// The body is longer than the limit.
    case tooLarge(limit: Int)
    /// Not `/sql`.
    case notFound(path: String)
    /// `/sql` with another method than POST.
    case methodNotAllowed(method: String)
}
