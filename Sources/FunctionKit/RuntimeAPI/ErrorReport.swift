/// The error document the Runtime API takes at `/invocation/{id}/error` and
/// `/init/error`: `{"errorMessage": ..., "errorType": ..., "stackTrace": []}`.
struct ErrorReport: Codable, Sendable, Equatable {
    var errorMessage: String
    var errorType: String
    var stackTrace: [String] = []

    init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
    }

    /// Describes `error`: its type's name as `errorType`, its description as `errorMessage`.
    init(_ error: any Error) {
        self.init(errorType: String(describing: type(of: error)), errorMessage: String(describing: error))
    }
}
