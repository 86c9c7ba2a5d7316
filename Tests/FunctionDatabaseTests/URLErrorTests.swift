import Testing
@testable import FunctionDatabase

@Suite("DATABASE_URL: malformed URLs are refused with a reason and without the password")
struct URLErrorTests {
    /// Parses `url`, expects it to be refused as `.invalidURL` with a
    /// description that contains `message` and none of `secrets`.
    private func expectRefused(
        _ url: String, _ message: String, secrets: [String] = ["Sekr3tPw"],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let error = try #require(throws: DatabaseError.self, sourceLocation: sourceLocation) {
            try ConnectionSettings(url: url)
        }
        guard case .invalidURL = error else {
            Issue.record("expected .invalidURL, got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.description.hasPrefix("DATABASE_URL is not a usable postgresql:// URL: "), sourceLocation: sourceLocation)
        #expect(error.description.contains(message), "\(error)", sourceLocation: sourceLocation)
        for secret in secrets {
            #expect(!error.description.contains(secret), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a URL without the postgres scheme", arguments: [
        "app:Sekr3tPw@127.0.0.1:5432/shop",
        "//app:Sekr3tPw@127.0.0.1:5432/shop",
        "127.0.0.1:5432",
        "",
    ])
    func noScheme(url: String) throws {
        try expectRefused(url, "it must start with postgresql:// or postgres://")
    }

    @Test("a URL with another scheme", arguments: [
        "mysql://app:Sekr3tPw@127.0.0.1/shop",
        "http://app:Sekr3tPw@127.0.0.1/shop",
        "postgres:/app:Sekr3tPw@127.0.0.1/shop",
        "postgresq://app:Sekr3tPw@127.0.0.1/shop",
    ])
    func wrongScheme(url: String) throws {
        try expectRefused(url, "it must start with postgresql:// or postgres://")
    }

    @Test("a URL without a host", arguments: [
        "postgresql://app:Sekr3tPw@/shop",
        "postgresql://app:Sekr3tPw@:5432/shop",
        "postgresql://app:Sekr3tPw@[]:5432/shop",
        "postgres://app:Sekr3tPw@",
    ])
    func noHost(url: String) throws {
        try expectRefused(url, "it names no host")
    }

    @Test("a port that is not a number from 1 to 65535", arguments: [
        ("postgresql://app:Sekr3tPw@127.0.0.1:abc/shop", "abc"),
        ("postgresql://app:Sekr3tPw@127.0.0.1:0/shop", "0"),
        ("postgresql://app:Sekr3tPw@127.0.0.1:65536/shop", "65536"),
        ("postgresql://app:Sekr3tPw@127.0.0.1:-1/shop", "-1"),
        ("postgresql://app:Sekr3tPw@127.0.0.1:/shop", ""),
        ("postgresql://app:Sekr3tPw@[::1]:54x2/shop", "54x2"),
    ])
    func badPort(url: String, port: String) throws {
        try expectRefused(url, "the port \"\(port)\" is not a number from 1 to 65535")
    }

    @Test("an IPv6 host that is not closed, or followed by something other than a port")
    func badIPv6() throws {
        try expectRefused("postgresql://app:Sekr3tPw@[::1:5432/shop", "an IPv6 host must be closed by ]")
        try expectRefused("postgresql://app:Sekr3tPw@[::1]5432/shop", "unexpected \"5432\" after the host")
    }

    @Test("a URL without a user", arguments: [
        "postgresql://127.0.0.1:5432/shop",
        "postgresql://:Sekr3tPw@127.0.0.1:5432/shop",
        "postgresql://@127.0.0.1/shop",
    ])
    func noUser(url: String) throws {
        try expectRefused(url, "it names no user")
    }

    @Test("a user, password, database or parameter with a broken % escape names the part", arguments: [
        ("postgresql://a%zzpp:Sekr3tPw@127.0.0.1/shop", "the user has a % that is not followed by two hex digits"),
        ("postgresql://app:Sekr3t%zzPw@127.0.0.1/shop", "the password has a % that is not followed by two hex digits"),
        ("postgresql://app:Sekr3tPw%4@127.0.0.1/shop", "the password has a % that is not followed by two hex digits"),
        ("postgresql://app:Sekr3t%FFPw@127.0.0.1/shop", "the password is not UTF-8 once percent-decoded"),
        ("postgresql://app:Sekr3tPw@127.0.0.1/sh%g0p", "the database name has a % that is not followed by two hex digits"),
        ("postgresql://app:Sekr3tPw@127.0.0.1/shop?application_name=%", "parameter application_name has a %"),
    ])
    func badEscape(url: String, message: String) throws {
        try expectRefused(url, message, secrets: ["Sekr3t", "zzPw", "FFPw"])
    }

    @Test("verify-ca and verify-full without sslrootcert, and an unknown sslmode, are refused", arguments: [
        ("verify-ca", "sslmode=verify-ca needs sslrootcert"), ("verify-full", "sslmode=verify-full needs sslrootcert"),
        ("on", "sslmode=on is not one of"),
    ])
    func sslModeErrors(mode: String, message: String) throws {
        try expectRefused("postgresql://app:Sekr3tPw@127.0.0.1/shop?sslmode=\(mode)", message)
    }

    /// A password with a raw `/` or `?` ends the host part early, so what
    /// follows the user's `:` looks like a port: the error must not quote it.
    @Test("a / or ? left unencoded in the password is reported without quoting the password", arguments: [
        "postgresql://app:Sekr3t/Pw9xQ@127.0.0.1:5432/shop",
        "postgresql://app:Sekr3t?Pw9xQ@127.0.0.1:5432/shop",
        "postgresql://app:Sekr3t/Pw9xQ@[::1]/shop",
        "postgresql://app:Sekr3tPw/shop",
    ])
    func unencodedPasswordDelimiter(url: String) throws {
        try expectRefused(url, "percent-encoded", secrets: ["Sekr3t", "Pw9xQ"])
    }
}
