/// How a storm names the cause of a failed request, and what each cause means.
///
/// The host names the cause of its failure responses in the
/// `X-Emulator-Failure` header; without it a status of 400 and up is
/// `http-<status>`. Requests without an answer are `connection-error` or
/// `client-timeout`.
enum StormFailure {
    /// The response header carrying the host's cause.
    static let header = "X-Emulator-Failure"
    /// The connection could not be opened or broke before the answer.
    static let connectionError = "connection-error"
    /// No answer within the storm's timeout per request.
    static let clientTimeout = "client-timeout"

    /// The cause of a failed answer; nil for a success (status below 400).
    static func cause(of reply: HTTPReply) -> String? {
        guard reply.status >= 400 else { return nil }
        if let named = reply.headers.first(name: header), !named.isEmpty {
            return named
        }
        return "http-\(reply.status)"
    }

    /// The cause of a request that got no answer.
    static func cause(of error: any Error) -> String {
        if case HTTPConnectionError.noAnswer = error { return clientTimeout }
        return connectionError
    }

    /// A short explanation of a cause for people, nil for causes not known here.
    static func explanation(of cause: String) -> String? {
        switch cause {
        case "sqlstate-53300": return "too many clients (database refused the connection)"
        case "pool-wait-timeout": return "no pooled database connection within pool.acquireTimeoutMs"
        case "function-timeout": return "the function ran past its timeoutSeconds (504)"
        case "throttled": return "refused by a concurrency or burst limit (429)"
        case "crashed": return "the instance exited during the invocation"
        case "out-of-memory": return "the instance used more than its memoryMB and was killed"
        case "start-failed": return "no instance could be started"
        case "function-error": return "the function reported an error"
        case connectionError: return "could not connect, or the connection broke"
        case clientTimeout: return "no answer within 60 s"
        case "http-404": return "no function at this path"
        default: break
        }
        if cause.hasPrefix("sqlstate-") { return "database error (SQLSTATE \(cause.dropFirst("sqlstate-".count)))" }
        if cause.hasPrefix("http-") { return "HTTP status \(cause.dropFirst("http-".count))" }
        return nil
    }
}
