import NIOSSL
import PostgresNIO

/// postgres-nio's TLS setting for a URL's `sslmode`/`sslrootcert`.
enum ConnectionTLS {
    static func configuration(_ settings: ConnectionSettings) throws(DatabaseError) -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        let root: String?
        switch settings.tls {
        case .off:
            return .disable
        case .required(let rootCertificate):
            configuration.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
            root = rootCertificate
        case .verifyChain(let rootCertificate):
            configuration.certificateVerification = .noHostnameVerification
            root = rootCertificate
        case .verifyFull(let rootCertificate):
            configuration.certificateVerification = .fullVerification
            root = rootCertificate
        }
        do {
            switch root {
            case "system": configuration.trustRoots = .default
            case let path?: configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            case nil: break
            }
            return .require(try NIOSSLContext(configuration: configuration))
        } catch {
            throw .invalidURL(reason: "sslrootcert=\(root ?? "") cannot be used: \(error)")
        }
    }
}
