import Testing
@testable import FunctionDatabase

@Suite("DATABASE_URL: the parts of a valid URL")
struct URLParsingTests {
    @Test("postgres:// and postgresql:// (in any case) name the same database", arguments: [
        "postgres://app:secret@db.internal:6432/shop",
        "postgresql://app:secret@db.internal:6432/shop",
        "PostgreSQL://app:secret@db.internal:6432/shop",
    ])
    func schemes(url: String) throws {
        let settings = try ConnectionSettings(url: url)
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6432)
        #expect(settings.user == "app")
        #expect(settings.password == "secret")
        #expect(settings.database == "shop")
        #expect(settings.applicationName == nil)
    }

    @Test("user and password are percent-decoded; a raw @ in the password is kept")
    func percentEncodedCredentials() throws {
        let encoded = try ConnectionSettings(url: "postgresql://app%20user:p%40ss%3Aword@127.0.0.1:5432/shop")
        #expect(encoded.user == "app user")
        #expect(encoded.password == "p@ss:word")

        let raw = try ConnectionSettings(url: "postgresql://app:p@ss@127.0.0.1/shop")
        #expect(raw.password == "p@ss")
        #expect(raw.host == "127.0.0.1")
    }

    @Test("a non-ASCII password is decoded from its UTF-8 bytes")
    func utf8Password() throws {
        let settings = try ConnectionSettings(url: "postgresql://app:%C3%A9t%C3%A9@127.0.0.1/shop")
        #expect(settings.password == "été")
    }

    @Test("a user without a password has none; an empty one is empty")
    func passwordAbsentOrEmpty() throws {
        #expect(try ConnectionSettings(url: "postgresql://app@127.0.0.1/shop").password == nil)
        #expect(try ConnectionSettings(url: "postgresql://app:@127.0.0.1/shop").password == "")
    }

    @Test("an IPv6 host is written in brackets, with or without a port", arguments: [
        ("postgresql://app:secret@[::1]:6432/shop", "::1", 6432),
        ("postgresql://app:secret@[::1]/shop", "::1", 5432),
        ("postgresql://app:secret@[2001:db8::7]:5433", "2001:db8::7", 5433),
    ])
    func ipv6(url: String, host: String, port: Int) throws {
        let settings = try ConnectionSettings(url: url)
        #expect(settings.host == host)
        #expect(settings.port == port)
    }

    @Test("the port defaults to 5432", arguments: [
        "postgresql://app:secret@db.internal/shop",
        "postgresql://app:secret@db.internal",
        "postgresql://app:secret@db.internal?application_name=x",
    ])
    func defaultPort(url: String) throws {
        let settings = try ConnectionSettings(url: url)
        #expect(settings.host == "db.internal")
        #expect(settings.port == 5432)
    }

    @Test("the database defaults to the (decoded) user", arguments: [
        "postgresql://app%2Dro:secret@127.0.0.1:5432",
        "postgresql://app%2Dro:secret@127.0.0.1:5432/",
        "postgresql://app%2Dro:secret@127.0.0.1:5432/?application_name=x",
    ])
    func defaultDatabase(url: String) throws {
        let settings = try ConnectionSettings(url: url)
        #expect(settings.user == "app-ro")
        #expect(settings.database == "app-ro")
    }

    @Test("the database name is percent-decoded")
    func encodedDatabase() throws {
        #expect(try ConnectionSettings(url: "postgresql://app@127.0.0.1/my%20shop").database == "my shop")
    }

    @Test("application_name is taken from the query and percent-decoded")
    func applicationName() throws {
        let settings = try ConnectionSettings(
            url: "postgresql://app:secret@127.0.0.1:6432/shop?connect_timeout=5&application_name=users%2Fab12cd34")
        #expect(settings.applicationName == "users/ab12cd34")
        #expect(settings.database == "shop")
    }

    @Test("sslmode values that need no TLS connect in the clear", arguments: ["disable", "allow", "prefer"])
    func plainSSLModes(mode: String) throws {
        let settings = try ConnectionSettings(url: "postgresql://app:secret@127.0.0.1/shop?sslmode=\(mode)")
        #expect(settings.host == "127.0.0.1")
        #expect(settings.tls == .off)
    }

    @Test("require, verify-ca and verify-full connect over TLS with libpq's meanings")
    func tlsSSLModes() throws {
        let base = "postgresql://app:secret@127.0.0.1/shop?"
        #expect(try ConnectionSettings(url: base + "sslmode=require").tls == .required(rootCertificate: nil))
        #expect(try ConnectionSettings(url: base + "sslmode=require&sslrootcert=%2Fca.pem").tls == .required(rootCertificate: "/ca.pem"))
        #expect(try ConnectionSettings(url: base + "sslmode=verify-ca&sslrootcert=/ca.pem").tls == .verifyChain(rootCertificate: "/ca.pem"))
        #expect(try ConnectionSettings(url: base + "sslmode=verify-full&sslrootcert=/ca.pem").tls == .verifyFull(rootCertificate: "/ca.pem"))
        #expect(try ConnectionSettings(url: base + "sslrootcert=system").tls == .verifyFull(rootCertificate: "system"))
        #expect(try ConnectionSettings(url: "postgresql://app:secret@127.0.0.1/shop").tls == .off)
    }
}
