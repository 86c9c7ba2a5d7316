/// Everything a client needs to connect to one database as one role.
public struct DatabaseCredentials: Sendable, Equatable, CustomStringConvertible {
    /// Host to connect to (an IP address).
    public var host: String
    /// TCP port.
    public var port: Int
    /// Role name.
    public var user: String
    /// The role's password.
    public var password: String
    /// Database name.
    public var database: String

    /// Creates credentials; see the properties for the meaning of each argument.
    public init(host: String, port: Int, user: String, password: String, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// `postgresql://user:password@host:port/database`, with user, password and
    /// database percent-encoded where needed.
    public var url: String { url(password: Self.percentEncoded(password)) }

    /// ``url`` with the password replaced by `***`, for logs and status pages.
    public var redactedURL: String { url(password: "***") }

    /// The libpq environment variables (`PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGPASSWORD`, `PGDATABASE`) that make psql, pgbench and other libpq
    /// programs connect with these credentials.
    public var libpqEnvironment: [String: String] {
        [
            "PGHOST": host, "PGPORT": String(port), "PGUSER": user,
            "PGPASSWORD": password, "PGDATABASE": database,
        ]
    }

    /// The redacted URL: printing credentials never shows the password.
    public var description: String { redactedURL }

    private func url(password: String) -> String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(Self.percentEncoded(user)):\(password)@\(hostPart):\(port)/\(Self.percentEncoded(database))"
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += byte < 16 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return result
    }
}

/// How to reach a running managed PostgreSQL.
public struct ManagedPostgresEndpoints: Sendable, Equatable {
    /// Role `app` (LOGIN, not a superuser) on its database `app`: what
    /// function instances and the pool use.
    public var application: DatabaseCredentials
    /// Role `postgres`, a superuser, on database `app`: for the host's own
    /// monitoring and setup. It can use the reserved connection slots.
    public var superuser: DatabaseCredentials

    /// Creates endpoints from the two sets of credentials.
    public init(application: DatabaseCredentials, superuser: DatabaseCredentials) {
        self.application = application
        self.superuser = superuser
    }
}
