/// The `"apiGateway"` object: what the emulated HTTP API adds to requests and
/// shows to callers.
public struct APIGatewaySettings: Sendable, Equatable {
    /// The stage's variables, passed to every function in the event's `stageVariables`.
    public var stageVariables: [String: String]
    /// Whether a failed invocation's 502/504 body names the error (`errorType`,
    /// `errorMessage`) instead of API Gateway's `{"message":"Internal server error"}`.
    public var errorDetailsInBody: Bool

    /// Creates the settings (defaults: no stage variables, API Gateway's error body).
    public init(stageVariables: [String: String] = [:], errorDetailsInBody: Bool = false) {
        self.stageVariables = stageVariables
        self.errorDetailsInBody = errorDetailsInBody
    }
}
