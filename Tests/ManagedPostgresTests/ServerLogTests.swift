#if canImport(Glibc)
import Glibc
#endif
import Logging
@testable import ManagedPostgres
import Testing

@Suite("Server log forwarding")
struct ServerLogTests {
    @Test func keepsLastLinesAndNoticesReadiness() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let log = ServerLog(logger: Logger(label: "test"), keepingLast: 3)
        log.follow(descriptors[0])
        let text = "[1] LOG:  starting PostgreSQL\n[1] LOG:  one\n[1] LOG:  two\n[1] LOG:  database system is ready to accept connections\npartial"
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptors[1], $0.baseAddress, text.utf8.count) }
        #expect(written == text.utf8.count)
        close(descriptors[1])
        while log.recentLines.last != "partial" { try await Task.sleep(for: .milliseconds(10)) }
        #expect(log.recentLines == ["[1] LOG:  two", "[1] LOG:  database system is ready to accept connections", "partial"])
        #expect(log.reportedReady)
    }

    @Test func severityMapsToLogLevels() {
        #expect(ServerLog.severity(of: "[7] PANIC:  could not write") == .critical)
        #expect(ServerLog.severity(of: "[7] FATAL:  sorry, too many clients already") == .warning)
        #expect(ServerLog.severity(of: "[7] ERROR:  relation \"x\" does not exist") == .warning)
        #expect(ServerLog.severity(of: "[7] LOG:  checkpoint starting") == .info)
        #expect(ServerLog.severity(of: "[7] DETAIL:  more") == nil)
    }
}
