import Crypto
import Synchronization

/// SCRAM's salted passwords (PBKDF2-HMAC-SHA-256, thousands of rounds), kept
/// per password, salt and round count: the pool uses one salt for all its
/// logins, so every login after the first costs no derivation.
final class SaltedPasswords: Sendable {
    private struct Key: Hashable {
        var password: String
        var salt: [UInt8]
        var iterations: Int
    }

    private let known = Mutex<[Key: [UInt8]]>([:])

    /// The salted password for `password`, derived now if not known yet.
    func salted(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = Key(password: password, salt: salt, iterations: iterations)
        if let value = known.withLock({ $0[key] }) { return value }
        let value = Self.derive(password, salt: salt, iterations: iterations)
        known.withLock { $0[key] = value }
        return value
    }

    /// PBKDF2-HMAC-SHA-256 for the one 32-byte block SCRAM-SHA-256 needs.
    private static func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var result = block
        for _ in 1..<max(iterations, 1) {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }
}
