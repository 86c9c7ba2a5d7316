/// Whether a client has logged in. Its session opens the gate when it sends
/// AuthenticationOk; its decoder reads it to pick message length limits. Both
/// live on the client's event loop.
final class LoginGate {
    var isOpen = false
}
