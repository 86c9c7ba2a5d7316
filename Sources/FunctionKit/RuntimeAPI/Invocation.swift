import NIOCore

/// One event handed out by `GET /2018-06-01/runtime/invocation/next`.
struct Invocation: Sendable {
    /// `Lambda-Runtime-Aws-Request-Id`.
    var requestID: String
    /// `Lambda-Runtime-Deadline-Ms`: milliseconds since the Unix epoch.
    var deadlineEpochMilliseconds: Int64
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    var invokedFunctionARN: String
    /// `Lambda-Runtime-Trace-Id`.
    var traceID: String?
    /// The event, as JSON.
    var event: ByteBuffer

    /// Reads an invocation from the response of `/next`.
    /// - Throws: ``RuntimeError/missingRequestID`` when the response names no request id.
    init(_ response: HTTPExchangeResponse) throws(RuntimeError) {
        guard let requestID = response.headers.first(name: "Lambda-Runtime-Aws-Request-Id"), !requestID.isEmpty else {
            throw .missingRequestID
        }
        self.requestID = requestID
        // Without a deadline header, assume Lambda's longest timeout (15 minutes).
        self.deadlineEpochMilliseconds = response.headers.first(name: "Lambda-Runtime-Deadline-Ms").flatMap { Int64($0) }
            ?? Platform.epochMilliseconds() + 900_000
        self.invokedFunctionARN = response.headers.first(name: "Lambda-Runtime-Invoked-Function-Arn") ?? ""
        self.traceID = response.headers.first(name: "Lambda-Runtime-Trace-Id")
        self.event = response.body
    }
}
