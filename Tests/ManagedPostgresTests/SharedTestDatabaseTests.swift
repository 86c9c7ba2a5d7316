import ChildProcess
import Foundation
import ManagedPostgres
import TestSupport
import Testing

@Suite("Shared test database")
struct SharedTestDatabaseTests {
    @Test func isStartedOnceAndServesQueries() async throws {
        async let first = TestDatabase.shared()
        async let second = TestDatabase.shared()
        let (a, b) = try await (first, second)
        #expect(a == b)
        #expect(try await psql("SELECT 40 + 2", credentials: a.application) == "42")
        #expect(try await psql("SHOW max_connections", credentials: a.superuser) == String(TestDatabase.maxConnections))
    }

    @Test func psqlReportsErrors() async throws {
        let endpoints = try await TestDatabase.shared()
        let error = await #expect(throws: PsqlError.self) {
            try await psql("SELECT * FROM no_such_table", credentials: endpoints.application)
        }
        #expect(error?.output.contains("relation \"no_such_table\" does not exist") == true)
    }

    @Test func freePortIsBindable() throws {
        let port = try freePort()
        #expect((1024...65535).contains(port))
    }

    @Test func abandonedDirectoriesAreRemovedOthersKept() async throws {
        let abandoned = try makeTemporaryDirectory(prefix: "emulator-sweep-test")
        let owned = try makeTemporaryDirectory(prefix: "emulator-sweep-test")
        defer { removeDirectory(owned) }
        let finished = try await ChildProcess.spawn(ProcessSpec(executable: "/bin/true"))
        _ = await finished.waitForExit()
        try String(finished.pid).write(toFile: "\(abandoned)/owner.pid", atomically: true, encoding: .utf8)

        removeAbandonedTemporaryDirectories(prefix: "emulator-sweep-test")
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: owned))
    }
}
