#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The generated passwords of a cluster's two roles, kept in a JSON file of mode 0600.
struct ClusterPasswords: Codable, Equatable {
    /// Password of the superuser role `postgres`.
    var superuser: String
    /// Password of the application role `app`.
    var application: String

    /// Two fresh random passwords.
    static func generate() -> ClusterPasswords {
        ClusterPasswords(superuser: randomPassword(), application: randomPassword())
    }

    /// 32 letters and digits from the system's cryptographic random source (about 190 bits).
    static func randomPassword() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Reads the passwords written by ``save(to:)``.
    static func load(from path: String) throws -> ClusterPasswords {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ManagedPostgresError.credentialsUnreadable(path: path, reason: "the file cannot be read")
        }
        do {
            return try JSONDecoder().decode(ClusterPasswords.self, from: data)
        } catch {
            throw ManagedPostgresError.credentialsUnreadable(path: path, reason: "the file is not valid JSON of the expected shape")
        }
    }

    /// Writes the passwords to `path` with mode 0600, replacing any older file.
    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self) + Data("\n".utf8)
        try FileSystem.writePrivateFile(path, contents: data)
    }
}
