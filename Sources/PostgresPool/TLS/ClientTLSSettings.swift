/// Whether clients may, or must, talk to the pool over TLS (runtime.json `pool.tls`).
public enum ClientTLSMode: String, Sendable, Equatable, CaseIterable {
    /// The pool answers `N` to every SSLRequest: plain connections only.
    case off
    /// TLS when the client asks for it (the default); plain connections are served too.
    case allow
    /// A client that does not ask for TLS gets an error telling what to set.
    case require
}

/// The pool's side of client TLS: the mode and the certificate it presents.
public struct ClientTLSSettings: Sendable, Equatable {
    public var mode: ClientTLSMode
    /// PEM certificate chain the pool presents (the server certificate first).
    public var certificatePath: String
    /// PEM private key of that certificate.
    public var keyPath: String

    public init(mode: ClientTLSMode, certificatePath: String, keyPath: String) {
        self.mode = mode
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// Plain connections only.
    public static let off = ClientTLSSettings(mode: .off, certificatePath: "", keyPath: "")
}
