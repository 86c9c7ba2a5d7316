/// What a handler knows about the invocation it serves and the function it runs in.
public struct Context: Sendable {
    /// The invocation's request id (`Lambda-Runtime-Aws-Request-Id`).
    public let requestID: String
    /// When the invocation times out, on the continuous clock
    /// (`Lambda-Runtime-Deadline-Ms`); usable with `Task.sleep(until:)`.
    public let deadline: ContinuousClock.Instant
    /// The deadline as milliseconds since the Unix epoch, as the Runtime API sent it.
    public let deadlineEpochMilliseconds: Int64
    /// The ARN the caller invoked (`Lambda-Runtime-Invoked-Function-Arn`).
    public let invokedFunctionARN: String
    /// The X-Ray trace header (`Lambda-Runtime-Trace-Id`), also in `_X_AMZN_TRACE_ID`.
    public let traceID: String?
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    public let functionName: String
    /// The function's version (`AWS_LAMBDA_FUNCTION_VERSION`, `$LATEST` when unset).
    public let functionVersion: String
    /// The memory the function is given, in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    public let memoryLimitMB: Int
    /// The log group (`AWS_LAMBDA_LOG_GROUP_NAME`; empty when unset).
    public let logGroupName: String
    /// The log stream (`AWS_LAMBDA_LOG_STREAM_NAME`; empty when unset).
    public let logStreamName: String
    /// A logger whose lines carry this invocation's request id.
    public let logger: Logger

    /// The time left until ``deadline``; negative once it has passed.
    public var remainingTime: Duration {
        deadline - .now
    }

    /// A context for one invocation. Functions get theirs from the runtime; tests may build one.
    public init(
        requestID: String,
        deadlineEpochMilliseconds: Int64,
        invokedFunctionARN: String = "",
        traceID: String? = nil,
        functionName: String = "",
        functionVersion: String = "$LATEST",
        memoryLimitMB: Int = 128,
        logGroupName: String = "",
        logStreamName: String = "",
        logger: Logger? = nil
    ) {
        self.requestID = requestID
        self.deadlineEpochMilliseconds = deadlineEpochMilliseconds
        self.deadline = .now + .milliseconds(deadlineEpochMilliseconds - Platform.epochMilliseconds())
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.functionName = functionName
        self.functionVersion = functionVersion
        self.memoryLimitMB = memoryLimitMB
        self.logGroupName = logGroupName
        self.logStreamName = logStreamName
        self.logger = logger ?? Logger(requestID: requestID)
    }

    init(invocation: Invocation, environment: FunctionEnvironment) {
        self.init(
            requestID: invocation.requestID,
            deadlineEpochMilliseconds: invocation.deadlineEpochMilliseconds,
            invokedFunctionARN: invocation.invokedFunctionARN,
            traceID: invocation.traceID,
            functionName: environment.functionName,
            functionVersion: environment.functionVersion,
            memoryLimitMB: environment.memoryLimitMB,
            logGroupName: environment.logGroupName,
            logStreamName: environment.logStreamName,
            logger: Logger(requestID: invocation.requestID, minimumLevel: environment.logLevel)
        )
    }
}
