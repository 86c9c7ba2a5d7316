import NIOSSL
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libpq's `verify-full` check of the database's certificate against the host the URL
/// names: an IP address must be among the certificate's IP addresses, a name among its
/// DNS names (a leading `*.` matches one label); the common name counts only when the
/// certificate has no subjectAltName. (NIOSSL alone also accepts the connected address.)
enum HostNameCheck {
    /// Nil when `certificate` is for `host`; otherwise why not, naming what it is for.
    static func mismatch(host: String, certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else {
            return "the database's certificate cannot be read"
        }
        var dnsNames: [String] = []
        var addresses: [[UInt8]] = []
        let alternativeNames: SubjectAlternativeNames? = (try? parsed.extensions.subjectAlternativeNames) ?? nil
        for name in alternativeNames.map(Array.init) ?? [] {
            switch name {
            case .dnsName(let dns): dnsNames.append(dns)
            case .ipAddress(let octets): addresses.append(Array(octets.bytes))
            default: break
            }
        }
        if alternativeNames == nil {
            for attribute in parsed.subject.flatMap({ $0 }) where attribute.type == .RDNAttributeType.commonName {
                dnsNames.append(String(describing: attribute.value))
            }
        }
        if let address = addressBytes(host) {
            if addresses.contains(address) || (alternativeNames == nil && dnsNames.contains(host)) { return nil }
        } else if dnsNames.contains(where: { matches(pattern: $0, host: host) }) {
            return nil
        }
        let names = dnsNames + addresses.compactMap(addressText)
        return "the database's certificate is for \(names.isEmpty ? "no host name" : names.joined(separator: ", ")), not \(host) (sslmode=verify-full checks the host name)"
    }

    private static func matches(pattern: String, host: String) -> Bool {
        let pattern = pattern.lowercased(), host = host.lowercased()
        if pattern.hasPrefix("*.") {
            guard let dot = host.firstIndex(of: ".") else { return false }
            return host[dot...] == pattern.dropFirst() && dot != host.startIndex
        }
        return pattern == host
    }

    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func addressText(_ bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : -1
        guard family != -1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let done = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return done ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }
}
