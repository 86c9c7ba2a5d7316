import Crypto

/// The SCRAM-SHA-256 building blocks (RFC 5802, RFC 7677) on top of swift-crypto.
enum SCRAMPrimitives {
    static let mechanism = "SCRAM-SHA-256"
    static let defaultIterations = 4096

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    static func sha256(_ data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }

    /// PBKDF2-HMAC-SHA256 for one 32-byte block, which is all SCRAM-SHA-256 needs.
    static func saltedPassword(password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = block
        for _ in 1..<max(iterations, 1) {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in 0..<result.count { result[index] ^= block[index] }
        }
        return result
    }

    static func clientKey(salted: [UInt8]) -> [UInt8] { hmac(key: salted, Array("Client Key".utf8)) }
    static func serverKey(salted: [UInt8]) -> [UInt8] { hmac(key: salted, Array("Server Key".utf8)) }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Constant-time comparison for proofs and signatures.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Splits `a=1,b=2` into attribute/value pairs.
    static func attributes(_ message: String) -> [Character: Substring] {
        var result: [Character: Substring] = [:]
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.count >= 2, part[part.index(after: part.startIndex)] == "=" else { continue }
            result[part.first!] = part.dropFirst(2)
        }
        return result
    }
}

/// MD5 password hashing as PostgreSQL does it: `"md5" + md5(md5(password + user) + salt)`.
enum MD5Password {
    static func hash(user: String, password: String, salt: [UInt8]) -> String {
        let inner = hex(Insecure.MD5.hash(data: Array((password + user).utf8)))
        return "md5" + hex(Insecure.MD5.hash(data: Array(inner.utf8) + salt))
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
