import Logging
import SQLOverHTTP
import Testing
import TestSupport

/// Stopping the endpoint is a normal event: nothing is logged as an error.
@Suite struct ShutdownLogTests {
    @Test func shutdownLogsNoError() async throws {
        let records = CapturedLog(level: .trace)
        let logger = records.logger
        let endpoint = SQLOverHTTPEndpoint(
            configuration: SQLOverHTTPConfiguration(port: 0, poolPort: try freePort()), logger: logger)
        let port = try await endpoint.start()
        #expect(port > 0)
        await endpoint.shutdown()
        let errors = records.messages.filter { $0.hasPrefix("error") || $0.hasPrefix("critical") }
        #expect(errors.isEmpty, "\(errors)")
    }
}
