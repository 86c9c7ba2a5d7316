import EmulatorConfig

/// The two URLs an instance's `DATABASE_URL` can be: the pool's and the database's own.
public struct DatabaseEndpoints: Sendable, Equatable {
    /// The pool, for pooled mode.
    public var pooled: String
    /// The database itself, for direct mode.
    public var direct: String

    /// Creates the pair; both are `postgresql://` URLs with credentials.
    public init(pooled: String, direct: String) {
        self.pooled = pooled
        self.direct = direct
    }

    /// The URL of `mode`.
    public func url(for mode: DatabaseMode) -> String {
        mode == .direct ? direct : pooled
    }
}
