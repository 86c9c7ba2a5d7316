/// What the Lambda environment variables say about the running function.
/// Read once when the runtime starts.
struct FunctionEnvironment: Sendable {
    var functionName: String
    var functionVersion: String
    var memoryLimitMB: Int
    var logGroupName: String
    var logStreamName: String
    var region: String
    var logLevel: Logger.Level

    /// Reads `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_LOG_GROUP_NAME`,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`, `AWS_REGION` and `AWS_LAMBDA_LOG_LEVEL`,
    /// with Lambda's defaults where one is unset.
    static func fromProcess() -> FunctionEnvironment {
        FunctionEnvironment(
            functionName: Platform.environment("AWS_LAMBDA_FUNCTION_NAME") ?? "",
            functionVersion: Platform.environment("AWS_LAMBDA_FUNCTION_VERSION") ?? "$LATEST",
            memoryLimitMB: Platform.environment("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").flatMap { Int($0) } ?? 128,
            logGroupName: Platform.environment("AWS_LAMBDA_LOG_GROUP_NAME") ?? "",
            logStreamName: Platform.environment("AWS_LAMBDA_LOG_STREAM_NAME") ?? "",
            region: Platform.environment("AWS_REGION") ?? "",
            logLevel: Platform.environment("AWS_LAMBDA_LOG_LEVEL").flatMap(Logger.Level.init(name:)) ?? .info
        )
    }
}
