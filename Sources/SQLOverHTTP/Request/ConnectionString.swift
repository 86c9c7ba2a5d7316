import Foundation

/// The `Neon-Connection-String` header: `postgresql://user:password@host/database`.
///
/// Only the credentials and the database name are used: every request goes
/// to the emulator's pool, whatever host and port the string names (as
/// Neon's proxy routes by host to the one database it fronts).
enum ConnectionString {
    /// The login in `text`.
    /// - Throws: ``RequestError/badConnectionString(_:)`` naming what is wrong (never the password).
    static func login(from text: String) throws(RequestError) -> Login {
        guard let components = URLComponents(string: text) else { throw .badConnectionString("it is not a URL") }
        guard ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? "") else {
            throw .badConnectionString("incorrect scheme (expected postgresql://)")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw .badConnectionString("missing username")
        }
        guard let password = components.percentEncodedPassword.flatMap({ $0.removingPercentEncoding }) else {
            throw .badConnectionString("missing authentication credentials: required password")
        }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        guard !path.isEmpty, let database = String(path).removingPercentEncoding else {
            throw .badConnectionString("missing database name")
        }
        return Login(user: user, password: password, database: database)
    }
}
