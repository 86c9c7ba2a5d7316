import Logging
import SQLOverHTTP
import Synchronization
import Testing
import TestSupport

/// Stopping the endpoint is a normal event: nothing is logged as an error.
@Suite struct ShutdownLogTests {
    @Test func shutdownLogsNoError() async throws {
        let records = LogRecords()
        let logger = Logger(label: "sql-over-http-shutdown") { _ in RecordingLogHandler(records: records) }
        let endpoint = SQLOverHTTPEndpoint(
            configuration: SQLOverHTTPConfiguration(port: 0, poolPort: try freePort()), logger: logger)
        let port = try await endpoint.start()
        #expect(port > 0)
        await endpoint.shutdown()
        let errors = records.lines.withLock { $0 }.filter { $0.hasPrefix("error") || $0.hasPrefix("critical") }
        #expect(errors.isEmpty, "\(errors)")
    }
}

/// Every record logged, at every level, as "<level> <message>".
private final class LogRecords: Sendable {
    let lines = Mutex<[String]>([])
}

private struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.lines.withLock { $0.append("\(event.level) \(event.message)") }
    }
}
