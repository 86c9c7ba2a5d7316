/// How a function's `Database.shared` reaches the database (a function's
/// `"database"` setting): over a PostgreSQL connection, or by SQL over HTTP.
public enum DatabaseTransport: String, Sendable, Equatable, CaseIterable {
    /// A PostgreSQL wire-protocol connection to `DATABASE_URL` (the default).
    case tcp
    /// SQL over HTTP to `DATABASE_HTTP_URL` (Neon's serverless driver protocol).
    case http
}
