import ChildProcess
import NIOCore

/// How one invocation ended, as seen by the host.
enum InvocationOutcome: Sendable {
    /// The function posted a result to `/invocation/{id}/response`.
    case response(ByteBuffer)
    /// The function posted to `/invocation/{id}/error`.
    case functionError(ByteBuffer, errorType: String?)
    /// The runtime posted to `/init/error` before taking the event.
    case initError(ByteBuffer, errorType: String?)
    /// The function did not answer within its timeout; the instance was killed.
    case timedOut(seconds: Double)
    /// The instance's process ended while the invocation was outstanding.
    case crashed(TerminationStatus)
    /// The function's response exceeded the payload limit.
    case responseTooLarge
    /// The instance's processes used more memory than the function's `memoryMB`; the
    /// instance was killed (Lambda's out-of-memory kill).
    case outOfMemory(limitMB: Int)

    /// Whether the function ran past its timeout.
    var isTimeout: Bool { if case .timedOut = self { return true } else { return false } }

    /// Whether the instance can serve the next invocation afterwards.
    var keepsInstance: Bool {
        switch self {
        case .response, .functionError: return true
        case .initError, .timedOut, .crashed, .responseTooLarge, .outOfMemory: return false
        }
    }
}

/// Lambda's limit on request and response payloads (6 MB).
let maximumPayloadBytes = 6 * 1024 * 1024
