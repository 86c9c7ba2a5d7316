/// What the server answered to one request, up to where the request's answer ends.
struct WireReply: Sendable {
    /// The messages, in order, without those `DataRow`s that exceeded the row budget.
    var messages: [BackendMessage] = []
    /// `DataRow` bytes received beyond the budget were dropped.
    var overflowed = false
    /// The connection closed before the answer was complete.
    var closed = false

    /// The first ErrorResponse in the answer.
    var error: ServerError? {
        messages.first { $0.type == BackendMessage.errorResponse }.map { ServerError(parsing: $0.body) }
    }

    /// The transaction status of the closing ReadyForQuery (`I`, `T` or `E`), nil without one.
    var transactionStatus: UInt8? {
        guard let last = messages.last, last.type == BackendMessage.readyForQuery else { return nil }
        return last.body.getInteger(at: last.body.readerIndex, as: UInt8.self)
    }
}

/// Where the answer to a request ends.
enum ReplyEnd: Sendable {
    /// At ReadyForQuery: every query and the end of the login.
    case readyForQuery
    /// During login also at an authentication request that needs an answer, or an error.
    case loginStep

    func isLast(_ message: BackendMessage) -> Bool {
        switch message.type {
        case BackendMessage.readyForQuery: return true
        case BackendMessage.errorResponse: return self == .loginStep
        case BackendMessage.authentication:
            // 3 cleartext, 5 md5, 10 SASL, 11 SASL continue; not 0 (ok) nor 12 (SASL final),
            // which the server follows with more messages without waiting.
            return self == .loginStep && [3, 5, 10, 11].contains(message.authenticationCode ?? 0)
        default: return false
        }
    }
}
