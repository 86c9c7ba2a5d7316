/// libpq's `sslmode`: whether, and how strictly, a connection to the database uses TLS.
public enum SSLMode: String, Sendable, Equatable, CaseIterable {
    /// Plain TCP only.
    case disable
    /// libpq tries plain first and TLS only when the server refuses plain; here: plain,
    /// TLS when the database refuses plain (the pool retries once with TLS).
    case allow
    /// TLS when the database offers it, else plain (libpq's default).
    case prefer
    /// TLS or nothing; the certificate is verified only when `sslrootcert` is given
    /// (then as `verify-ca`, as libpq does).
    case require
    /// TLS, and the certificate must chain to `sslrootcert`.
    case verifyCA = "verify-ca"
    /// TLS, the certificate must chain to `sslrootcert` and name the host.
    case verifyFull = "verify-full"

    /// The mode when the URL names none.
    public static let `default` = SSLMode.prefer

    /// Whether a database that answers `N` to the SSLRequest is refused.
    public var requiresTLS: Bool {
        switch self {
        case .require, .verifyCA, .verifyFull: true
        case .disable, .allow, .prefer: false
        }
    }
}

/// Where the certificates that vouch for the database come from (libpq's `sslrootcert`).
public enum RootCertificates: Sendable, Equatable {
    /// A PEM file of CA certificates.
    case file(String)
    /// The system's trust store (`sslrootcert=system`).
    case system
}

/// TLS toward the database, as libpq's URL parameters describe it.
public struct UpstreamTLSSettings: Sendable, Equatable {
    public var mode: SSLMode
    public var rootCertificates: RootCertificates?
    /// Client certificate and key (`sslcert`/`sslkey`), when the database asks for one.
    public var certificatePath: String?
    public var keyPath: String?

    public init(
        mode: SSLMode = .default, rootCertificates: RootCertificates? = nil,
        certificatePath: String? = nil, keyPath: String? = nil
    ) {
        self.mode = mode
        self.rootCertificates = rootCertificates
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// No TLS (what the pool did before it spoke TLS; the tests' local clusters).
    public static let disabled = UpstreamTLSSettings(mode: .disable)

    /// What is checked of the database's certificate.
    public enum Verification: Sendable, Equatable {
        case none
        /// The chain, not the name.
        case chain
        /// The chain and the host name (or IP address).
        case chainAndHost
    }

    /// libpq: `require` with a root certificate given behaves as `verify-ca`.
    public var verification: Verification {
        switch mode {
        case .disable, .allow, .prefer: .none
        case .require: rootCertificates == nil ? .none : .chain
        case .verifyCA: .chain
        case .verifyFull: .chainAndHost
        }
    }

    /// The settings as URL query parameters (`sslmode=...&sslrootcert=...`), empty for the default.
    public var queryItems: [(name: String, value: String)] {
        var items: [(String, String)] = []
        if mode != .default { items.append(("sslmode", mode.rawValue)) }
        switch rootCertificates {
        case .file(let path): items.append(("sslrootcert", path))
        case .system: items.append(("sslrootcert", "system"))
        case nil: break
        }
        if let certificatePath { items.append(("sslcert", certificatePath)) }
        if let keyPath { items.append(("sslkey", keyPath)) }
        return items
    }

    /// Reads libpq's TLS parameters from a URL's query; throws a message naming the bad one.
    /// Other parameters are ignored.
    public init(query: [(name: String, value: String)]) throws(TLSSettingsError) {
        self.init()
        var explicitMode: SSLMode?
        for (name, value) in query {
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw TLSSettingsError(
                        "sslmode=\(value) is not a libpq sslmode (use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                self.mode = mode
                explicitMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw TLSSettingsError("sslrootcert is empty: give a PEM file of CA certificates or \"system\"") }
                rootCertificates = value == "system" ? .system : .file(value)
            case "sslcert":
                certificatePath = value.isEmpty ? nil : value
            case "sslkey":
                keyPath = value.isEmpty ? nil : value
            default:
                break
            }
        }
        if rootCertificates == .system {
            // libpq: sslrootcert=system makes verify-full the default and refuses weaker modes.
            guard explicitMode == nil || explicitMode == .verifyFull else {
                throw TLSSettingsError("sslrootcert=system needs sslmode=verify-full (libpq refuses sslmode=\(mode.rawValue) with it)")
            }
            mode = .verifyFull
        }
        if (certificatePath == nil) != (keyPath == nil) {
            throw TLSSettingsError("sslcert and sslkey go together: give both or neither")
        }
    }
}

/// A TLS parameter that cannot be used; the message names it.
public struct TLSSettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
