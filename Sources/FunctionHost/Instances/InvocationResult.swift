/// One finished invocation as the front door and the stats see it.
struct InvocationResult: Sendable {
    let requestId: String
    let outcome: InvocationOutcome
    let coldStart: Bool
    let instanceID: String
    /// From the request reaching the instance manager to the outcome, cold start included.
    let totalMilliseconds: Double
}
