import Foundation

/// One request to a function as the dashboard's feed of recent invocations shows it.
struct InvocationRecord: Sendable {
    /// When it finished, in milliseconds since 1970.
    var time: Double
    var function: String
    /// The instance that served it; nil when none did (throttled, or none could start).
    var instance: String?
    var requestId: String?
    /// The HTTP status the caller got.
    var status: Int
    /// Why it failed; nil for a response.
    var cause: FailureCause?
    /// From reaching the instance manager to the outcome; 0 when no instance served it.
    var milliseconds: Double
    var coldStart: Bool

    /// The record of a finished invocation.
    init(_ result: InvocationResult, function: String) {
        time = Date().timeIntervalSince1970 * 1000
        self.function = function
        instance = result.instanceID
        requestId = result.requestId
        cause = FailureCause(result.outcome)
        status = result.status
        milliseconds = result.totalMilliseconds
        coldStart = result.coldStart
    }

    /// The record of a request refused before any instance served it.
    init(refused function: String, cause: FailureCause) {
        time = Date().timeIntervalSince1970 * 1000
        self.function = function
        self.cause = cause
        status = cause == .throttled ? 429 : 502
        milliseconds = 0
        coldStart = false
    }

    /// The feed entry of the dashboard's snapshots.
    var json: [String: Any] {
        [
            "time": time.rounded(), "function": function, "instance": instance ?? NSNull(),
            "requestId": requestId ?? NSNull(), "status": status, "cause": cause?.description ?? NSNull(),
            "durationMs": (milliseconds * 10).rounded() / 10, "cold": coldStart,
        ]
    }
}
