/// The `"sqlOverHTTP"` object: the SQL-over-HTTP endpoint in front of the
/// pool (Neon's serverless driver protocol, `POST /sql`).
public struct SQLOverHTTPSettings: Sendable, Equatable {
    /// Loopback port of the endpoint (0: any free port).
    public var port: Int
    /// Longest request body accepted; longer ones get 413.
    public var maxRequestBytes: Int
    /// Longest JSON answer; a larger result gets 507.
    public var maxResponseBytes: Int

    /// Creates endpoint settings (defaults: port 4444, 10 MiB each way, as Neon's).
    public init(port: Int = 4444, maxRequestBytes: Int = 10_485_760, maxResponseBytes: Int = 10_485_760) {
        self.port = port
        self.maxRequestBytes = maxRequestBytes
        self.maxResponseBytes = maxResponseBytes
    }
}
