import NIOHTTP1

/// Conditions that end the runtime: the process reports them on standard
/// error and exits non-zero, as AWS Lambda's own runtimes do.
enum RuntimeError: Error, CustomStringConvertible {
    /// `AWS_LAMBDA_RUNTIME_API` is not set.
    case missingEndpoint
    /// `AWS_LAMBDA_RUNTIME_API` is not `host:port`.
    case invalidEndpoint(String)
    /// The Runtime API answered a call with a status the runtime cannot go on after.
    case unexpectedStatus(path: String, status: HTTPResponseStatus, body: String)
    /// `/next` answered without a `Lambda-Runtime-Aws-Request-Id` header.
    case missingRequestID
    /// The function's setup threw; the error was reported to `/init/error`.
    case initializationFailed(ErrorReport)

    var description: String {
        switch self {
        case .missingEndpoint:
            "AWS_LAMBDA_RUNTIME_API is not set. This program is a function: it is started by a Lambda "
                + "runtime host (the emulator or AWS Lambda), which sets AWS_LAMBDA_RUNTIME_API=host:port."
        case .invalidEndpoint(let value):
            "AWS_LAMBDA_RUNTIME_API must be host:port, got '\(value)'."
        case .unexpectedStatus(let path, let status, let body):
            "the Runtime API answered \(path) with \(status.code) \(status.reasonPhrase)"
                + (body.isEmpty ? "" : ": \(body)")
        case .missingRequestID:
            "the Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id header"
        case .initializationFailed(let report):
            "initialization failed: \(report.errorType): \(report.errorMessage)"
        }
    }
}
