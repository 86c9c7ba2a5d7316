/// One finished invocation as the front door and the stats see it.
struct InvocationResult: Sendable {
    let requestId: String
    let outcome: InvocationOutcome
    let coldStart: Bool
    let instanceID: String
    /// From the request reaching the instance manager to the outcome, cold start included.
    let totalMilliseconds: Double
    /// The function's response payload, read; nil unless the outcome is a response.
    let reply: FunctionReply?
    /// The HTTP status the front door answers with (see ``FunctionResponse``).
    let status: Int

    init(requestId: String, outcome: InvocationOutcome, coldStart: Bool, instanceID: String, totalMilliseconds: Double) {
        self.requestId = requestId
        self.outcome = outcome
        self.coldStart = coldStart
        self.instanceID = instanceID
        self.totalMilliseconds = totalMilliseconds
        switch outcome {
        case .response(let payload):
            let reply = FunctionReply(payload)
            self.reply = reply
            status = reply.status
        case .timedOut:
            reply = nil
            status = 504
        case .functionError, .initError, .crashed, .responseTooLarge, .outOfMemory:
            reply = nil
            status = 502
        }
    }
}
