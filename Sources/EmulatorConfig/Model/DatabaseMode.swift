/// How function instances reach the database (`"mode"` in runtime.json).
public enum DatabaseMode: String, Sendable, Equatable, CaseIterable {
    /// Instances get a `DATABASE_URL` pointing at the host's pool (the default).
    case pooled
    /// Instances get a `DATABASE_URL` pointing at the database itself.
    case direct
    /// Instances reach the database by SQL over HTTP (`DATABASE_TRANSPORT=http`
    /// and `DATABASE_HTTP_URL`), through the pool.
    case http
}
