import EmulatorConfig
import Foundation

/// What one instance is told about the database: `DATABASE_URL`,
/// `DATABASE_HTTP_URL` and `DATABASE_TRANSPORT`.
struct DatabaseAccess: Sendable, Equatable {
    /// `DATABASE_URL`, named for the instance (`application_name=<function>/<instance id>`).
    var url: String
    /// `DATABASE_HTTP_URL`, when the SQL-over-HTTP endpoint runs.
    var httpURL: String?
    /// `DATABASE_TRANSPORT`: how `Database.shared` reaches the database.
    var transport: DatabaseTransport

    /// The variables, as the instance's environment gets them.
    var environment: [String: String] {
        var variables = ["DATABASE_URL": url, "DATABASE_TRANSPORT": transport.rawValue]
        if let httpURL { variables["DATABASE_HTTP_URL"] = httpURL }
        // libpq's TLS settings of the URL, for clients configured from PG* variables.
        for item in URLComponents(string: url)?.queryItems ?? [] {
            switch item.name {
            case "sslmode": variables["PGSSLMODE"] = item.value
            case "sslrootcert": variables["PGSSLROOTCERT"] = item.value
            default: break
            }
        }
        return variables
    }
}
