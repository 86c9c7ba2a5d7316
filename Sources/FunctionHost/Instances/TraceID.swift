#if canImport(Glibc)
import Glibc
#endif

/// X-Ray style trace ids, as Lambda passes them in `Lambda-Runtime-Trace-Id`:
/// `Root=1-<epoch seconds, 8 hex>-<96 random bits>;Parent=<64 random bits>;Sampled=0`.
enum TraceID {
    /// A new trace id: one per invocation, so it takes three random draws, not one per digit.
    static func make() -> String {
        var random = SystemRandomNumberGenerator()
        let parent: UInt64 = random.next()
        return "\(makeRoot());Parent=\(hex(parent));Sampled=0"
    }

    /// A new trace's root alone, `Root=1-<epoch seconds>-<96 random bits>`, as
    /// API Gateway adds it to a request in `x-amzn-trace-id`.
    static func makeRoot() -> String {
        var random = SystemRandomNumberGenerator()
        let epoch = UInt32(truncatingIfNeeded: time(nil))
        let root = (random.next() as UInt32, random.next() as UInt64)
        return "Root=1-\(hex(epoch))-\(hex(root.0))\(hex(root.1))"
    }

    /// `value` in lower-case hex, zero-padded to its full width.
    private static func hex<Value: FixedWidthInteger & UnsignedInteger>(_ value: Value) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: Value.bitWidth / 4 - digits.count) + digits
    }
}
