import Foundation
import NIOCore

/// What went wrong in a failed invocation, in Lambda's words: the error type
/// and message the function reported, or the host's for the ones it ended.
struct InvocationError: Sendable, Equatable {
    var type: String
    var message: String

    /// The error of `result`; nil when the function gave a valid response.
    init?(_ result: InvocationResult) {
        switch result.outcome {
        case .response:
            guard case .invalid(let reason) = result.reply else { return nil }
            (type, message) = ("Runtime.InvalidResponse", reason)
        case .functionError(let payload, let errorType), .initError(let payload, let errorType):
            let object = (try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView))) as? [String: Any] ?? [:]
            message = object["errorMessage"] as? String ?? String(buffer: payload)
            type = object["errorType"] as? String ?? errorType ?? "Function.Error"
        case .timedOut(let seconds):
            type = "Sandbox.Timedout"
            message = "RequestId: \(result.requestId) Error: Task timed out after \(String(format: "%.2f", seconds)) seconds"
        case .crashed(let status):
            type = "Runtime.ExitError"
            message = "RequestId: \(result.requestId) Error: Runtime exited with error: \(status)"
        case .outOfMemory(let limitMB):
            type = "Runtime.OutOfMemory"
            message = "RequestId: \(result.requestId) Error: Runtime exited with error: signal: killed (memory above \(limitMB) MB)"
        case .responseTooLarge:
            type = "Function.ResponseSizeTooLarge"
            message = "Response payload size exceeded maximum allowed payload size (\(maximumPayloadBytes) bytes)."
        }
    }

    init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    /// `{"errorType": …, "errorMessage": …}`.
    var object: [String: String] { ["errorType": type, "errorMessage": message] }
}
