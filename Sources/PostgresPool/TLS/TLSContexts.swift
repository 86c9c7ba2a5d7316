import NIOSSL

/// The TLS contexts the pool uses, made once at start from its configuration (so an
/// unreadable certificate is an error at start, naming the file).
struct TLSContexts {
    /// For clients that send SSLRequest; nil when `pool.tls` is off.
    var client: NIOSSLContext?
    var clientMode: ClientTLSMode = .off
    /// For the pool's connections to the database; nil when `sslmode=disable`.
    var upstream: UpstreamTLSContext?

    init() {}

    init(client: ClientTLSSettings, upstream: UpstreamDatabase) throws(TLSSettingsError) {
        clientMode = client.mode
        if client.mode != .off {
            self.client = try Self.serverContext(client)
        }
        self.upstream = try UpstreamTLSContext(settings: upstream.tls, host: upstream.host)
    }

    static func serverContext(_ settings: ClientTLSSettings) throws(TLSSettingsError) -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(settings.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: settings.keyPath, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            // PostgreSQL 17's direct TLS negotiation names its protocol.
            configuration.applicationProtocols = ["postgresql"]
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSettingsError(
                "pool.tls: cannot use the certificate \(settings.certificatePath) with the key \(settings.keyPath): \(error)")
        }
    }
}

/// How the pool (and the emulator's other database clients) speak TLS to one database.
public struct UpstreamTLSContext: Sendable {
    public let settings: UpstreamTLSSettings
    /// The host as the URL names it (what `verify-full` checks the certificate against).
    public let host: String
    /// The pool's: the host name is checked by the negotiator (HostNameCheck).
    let context: NIOSSLContext
    /// For other clients of the same database (postgres-nio's `.prefer`/`.require`), which
    /// check the host name with NIOSSL's own rules.
    public let contextForOtherClients: NIOSSLContext

    /// Nil for `sslmode=disable`; throws when a file the settings name cannot be used.
    public init?(settings: UpstreamTLSSettings, host: String) throws(TLSSettingsError) {
        guard settings.mode != .disable else { return nil }
        self.settings = settings
        self.host = host
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch settings.verification {
        case .none: configuration.certificateVerification = .none
        case .chain: configuration.certificateVerification = .noHostnameVerification
        // The host name is checked after the handshake, as libpq does (HostNameCheck).
        case .chainAndHost: configuration.certificateVerification = .noHostnameVerification
        }
        switch settings.rootCertificates {
        case .file(let path):
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw TLSSettingsError("sslrootcert=\(path) is not a readable PEM file of CA certificates: \(error)")
            }
        case .system:
            configuration.trustRoots = .default
        case nil:
            if settings.verification != .none {
                throw TLSSettingsError(
                    "sslmode=\(settings.mode.rawValue) verifies the database's certificate: give sslrootcert (a PEM file of the CA, or \"system\")")
            }
        }
        if let certificatePath = settings.certificatePath, let keyPath = settings.keyPath {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw TLSSettingsError("sslcert=\(certificatePath) / sslkey=\(keyPath) cannot be used: \(error)")
            }
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
            if settings.verification == .chainAndHost {
                configuration.certificateVerification = .fullVerification
                contextForOtherClients = try NIOSSLContext(configuration: configuration)
            } else {
                contextForOtherClients = context
            }
        } catch {
            throw TLSSettingsError("cannot set up TLS toward \(host): \(error)")
        }
    }

    /// The name sent as SNI and checked against the certificate; nil for an IP address
    /// (then NIOSSL checks the certificate's IP addresses against the connected one).
    var serverHostname: String? {
        HostNameCheck.addressBytes(host) == nil ? host : nil
    }

    func makeHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
    }
}
