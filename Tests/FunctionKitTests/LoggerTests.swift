import Testing
@testable import FunctionKit

@Suite("Logger")
struct LoggerTests {
    @Test("log timestamps are ISO 8601 UTC with milliseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_710_079_438_390), "2024-03-10T14:03:58.390Z"),
        (Int64(4_102_444_799_007), "2099-12-31T23:59:59.007Z"),
    ])
    func timestamp(epochMilliseconds: Int64, expected: String) {
        #expect(Platform.utcTimestamp(epochMilliseconds: epochMilliseconds) == expected)
    }

    @Test("AWS_LAMBDA_LOG_LEVEL spellings map to levels, anything else is refused")
    func levelNames() {
        #expect(Logger.Level(name: "debug") == .debug)
        #expect(Logger.Level(name: "WARN") == .warning)
        #expect(Logger.Level(name: "Error") == .error)
        #expect(Logger.Level(name: "loud") == nil)
        #expect(Logger.Level.trace < .info)
    }
}
