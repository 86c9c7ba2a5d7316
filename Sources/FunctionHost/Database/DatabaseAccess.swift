import EmulatorConfig
import Foundation

/// What one instance is told about the database: `DATABASE_URL` and the
/// variables derived from it, `DATABASE_HTTP_URL` and `DATABASE_TRANSPORT`.
struct DatabaseAccess: Sendable, Equatable {
    /// `DATABASE_URL`, named for the instance (`application_name=<function>/<instance id>`).
    var url: String
    /// `DATABASE_HTTP_URL`, when the SQL-over-HTTP endpoint runs.
    var httpURL: String?
    /// `DATABASE_TRANSPORT`: how `Database.shared` reaches the database.
    var transport: DatabaseTransport

    /// The variables, as the instance's environment gets them: `DATABASE_URL`
    /// and the same URL as `DATABASE_PROXY_URL` (the article's name), its parts
    /// as `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD`, `DB_NAME` and as
    /// libpq's `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
    /// `PGAPPNAME` (and `PGSSLMODE`/`PGSSLROOTCERT` when the URL has them), so that
    /// node-postgres, psycopg and psql connect with no arguments at all.
    var environment: [String: String] {
        var variables = ["DATABASE_URL": url, "DATABASE_PROXY_URL": url, "DATABASE_TRANSPORT": transport.rawValue]
        if let httpURL { variables["DATABASE_HTTP_URL"] = httpURL }
        guard let components = URLComponents(string: url) else { return variables }
        let host = components.host ?? "127.0.0.1"
        let port = String(components.port ?? 5432)
        // URLComponents' user, password and path are decoded once already.
        let user = components.user ?? ""
        let password = components.password ?? ""
        let path = String(components.path.drop { $0 == "/" })
        let database = path.isEmpty ? user : path
        for (name, value) in [
            ("DB_HOST", host), ("DB_PORT", port), ("DB_USER", user), ("DB_PASSWORD", password), ("DB_NAME", database),
            ("PGHOST", host), ("PGPORT", port), ("PGUSER", user), ("PGPASSWORD", password), ("PGDATABASE", database),
        ] { variables[name] = value }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "application_name": variables["PGAPPNAME"] = item.value
            case "sslmode": variables["PGSSLMODE"] = item.value
            case "sslrootcert": variables["PGSSLROOTCERT"] = item.value
            default: break
            }
        }
        return variables
    }
}
