/// Why talking to the pool failed below the level of a statement's own error.
enum WireError: Error, Sendable, CustomStringConvertible {
    /// The pool could not be reached.
    case cannotConnect(address: String, reason: String)
    /// The pool closed the connection without saying why.
    case connectionLost
    /// The pool answered something this client cannot follow.
    case protocolViolation(String)

    var description: String {
        switch self {
        case .cannotConnect(let address, let reason): "cannot reach the pool at \(address): \(reason)"
        case .connectionLost: "the pool closed the connection"
        case .protocolViolation(let what): "unexpected answer from the pool: \(what)"
        }
    }
}
