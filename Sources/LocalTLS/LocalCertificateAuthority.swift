import Crypto
import Foundation
import SwiftASN1
import X509

/// The emulator's own certificate authority: a CA and one server certificate it
/// issued, kept as PEM files in one directory (`.emulator/tls/` for the emulator).
///
/// The first call makes them; later calls reuse them, so a client that trusts
/// `ca.crt` once keeps trusting the emulator across restarts. Private keys are
/// written with mode 0600 (PostgreSQL refuses a key file others can read).
///
/// Files: `ca.crt`, `ca.key`, `server.crt`, `server.key`.
public struct LocalCertificateAuthority: Sendable, Equatable {
    /// The directory holding the files.
    public let directory: String
    /// The CA's certificate: what clients give as `sslrootcert`.
    public var caCertificatePath: String { directory + "/ca.crt" }
    public var caKeyPath: String { directory + "/ca.key" }
    /// The server certificate (for `serverNames`), signed by the CA.
    public var serverCertificatePath: String { directory + "/server.crt" }
    public var serverKeyPath: String { directory + "/server.key" }

    /// The names the server certificate is issued for by default.
    public static let loopbackNames = ["localhost", "127.0.0.1", "::1"]

    /// A server certificate that expires sooner than this is issued anew.
    static let renewalMargin: TimeInterval = 7 * 24 * 3600

    private init(directory: String) {
        self.directory = directory
    }

    /// Loads the CA and server certificate from `directory`, making whatever is
    /// missing, unreadable, expiring or not for `serverNames`. The CA is made anew
    /// only when its own files are missing or broken (and then the server certificate too).
    public static func loadOrCreate(
        in directory: String, serverNames: [String] = loopbackNames, commonName: String = "Serverless Emulator Local CA"
    ) throws(LocalTLSError) -> LocalCertificateAuthority {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        let authority = LocalCertificateAuthority(directory: absolute)
        do {
            // Only the directory itself is private: its parents (`.emulator/`) keep the
            // default mode, which other accounts (the managed PostgreSQL's) may need to cross.
            let parent = (absolute as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: absolute) {
                try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw LocalTLSError("cannot create the TLS directory \(directory): \(error.localizedDescription)")
        }
        let now = Date()
        let ca: (certificate: Certificate, key: P256.Signing.PrivateKey)
        var caIsNew = false
        if let existing = authority.readPair(certificate: authority.caCertificatePath, key: authority.caKeyPath),
           existing.certificate.notValidAfter > now + renewalMargin {
            ca = existing
        } else {
            ca = try makeCA(commonName: commonName, now: now)
            try authority.write(ca, certificate: authority.caCertificatePath, key: authority.caKeyPath)
            caIsNew = true
        }
        let current = caIsNew ? nil : authority.readPair(certificate: authority.serverCertificatePath, key: authority.serverKeyPath)
        if let current, current.certificate.issuer == ca.certificate.subject,
           current.certificate.notValidAfter > now + renewalMargin,
           ca.certificate.publicKey.isValidSignature(current.certificate.signature, for: current.certificate),
           Set(names(of: current.certificate)) == Set(serverNames) {
            return authority
        }
        let server = try issueServerCertificate(for: serverNames, by: ca, now: now)
        try authority.write(server, certificate: authority.serverCertificatePath, key: authority.serverKeyPath)
        return authority
    }

    // MARK: Making certificates

    private static func makeCA(commonName: String, now: Date) throws(LocalTLSError) -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        do {
            let name = try DistinguishedName {
                OrganizationName("Serverless Emulator")
                CommonName(commonName)
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - 3600,
                notValidAfter: now + 10 * 365 * 24 * 3600,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            return (certificate, key)
        } catch {
            throw LocalTLSError("cannot make the local CA certificate: \(error)")
        }
    }

    private static func issueServerCertificate(
        for serverNames: [String], by ca: (certificate: Certificate, key: P256.Signing.PrivateKey), now: Date
    ) throws(LocalTLSError) -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        do {
            let alternativeNames = try serverNames.map { name throws(LocalTLSError) -> GeneralName in
                if let address = IPAddressBytes.parse(name) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
                guard !name.isEmpty else { throw LocalTLSError("a server certificate name is empty") }
                return .dnsName(name)
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            let caKeyIdentifier = try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: ca.certificate.publicKey).keyIdentifier
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - 3600,
                // Under 398 days, which some clients require of server certificates.
                notValidAfter: now + 397 * 24 * 3600,
                issuer: ca.certificate.subject,
                subject: try DistinguishedName { CommonName(serverNames.first ?? "localhost") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(alternativeNames)
                    SubjectKeyIdentifier(hash: publicKey)
                    AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
                },
                issuerPrivateKey: Certificate.PrivateKey(ca.key))
            return (certificate, key)
        } catch let error as LocalTLSError {
            throw error
        } catch {
            throw LocalTLSError("cannot issue the server certificate for \(serverNames.joined(separator: ", ")): \(error)")
        }
    }

    /// The DNS names and IP addresses (as text) a certificate is for.
    static func names(of certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let dns): return dns
            case .ipAddress(let octets): return IPAddressBytes.text(Array(octets.bytes))
            default: return nil
            }
        }
    }

    // MARK: Files

    private func readPair(certificate: String, key: String) -> (certificate: Certificate, key: P256.Signing.PrivateKey)? {
        guard let certificateText = try? String(contentsOfFile: certificate, encoding: .utf8),
              let keyText = try? String(contentsOfFile: key, encoding: .utf8),
              let parsedCertificate = try? Certificate(pemEncoded: certificateText),
              let parsedKey = try? P256.Signing.PrivateKey(pemRepresentation: keyText),
              parsedCertificate.publicKey == Certificate.PublicKey(parsedKey.publicKey) else { return nil }
        return (parsedCertificate, parsedKey)
    }

    private func write(
        _ pair: (certificate: Certificate, key: P256.Signing.PrivateKey), certificate: String, key: String
    ) throws(LocalTLSError) {
        do {
            let certificateText = try pair.certificate.serializeAsPEM().pemString + "\n"
            try Self.writeFile(key, contents: pair.key.pemRepresentation + "\n", mode: 0o600)
            try Self.writeFile(certificate, contents: certificateText, mode: 0o644)
        } catch let error as LocalTLSError {
            throw error
        } catch {
            throw LocalTLSError("cannot encode the certificate \(certificate): \(error)")
        }
    }

    /// Writes through a temporary file created with `mode` (so a key is never readable
    /// by others, even for a moment) and renames it into place.
    private static func writeFile(_ path: String, contents: String, mode: Int) throws(LocalTLSError) {
        let temporary = path + ".tmp-\(getpid())"
        let created = FileManager.default.createFile(
            atPath: temporary, contents: Data(contents.utf8), attributes: [.posixPermissions: mode])
        guard created, chmod(temporary, mode_t(mode)) == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw LocalTLSError("cannot write \(path): \(reason)")
        }
    }
}

/// Why the local CA or its certificates could not be made or read.
public struct LocalTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
