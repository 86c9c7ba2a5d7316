/// The `"burst"` object: a token bucket that limits how fast new instances
/// start across all functions, like Lambda's burst scaling. Each cold start
/// takes a token; without one the request is throttled (429).
public struct BurstSettings: Sendable, Equatable {
    /// Tokens in a full bucket: new instances that can start at once.
    public var capacity: Int
    /// Tokens added every `refillIntervalSeconds` (never above `capacity`).
    public var refillAmount: Int
    /// Seconds between refills.
    public var refillIntervalSeconds: Double

    /// Creates burst settings (defaults: 1000 tokens, 1000 more every 10 s).
    public init(capacity: Int = 1000, refillAmount: Int = 1000, refillIntervalSeconds: Double = 10) {
        self.capacity = capacity
        self.refillAmount = refillAmount
        self.refillIntervalSeconds = refillIntervalSeconds
    }

    /// The average refill rate in tokens per second.
    public var refillPerSecond: Double { Double(refillAmount) / refillIntervalSeconds }
}
