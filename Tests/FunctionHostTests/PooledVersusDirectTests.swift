import Foundation
import Testing
import TestSupport

/// The reason the project exists, end to end: the real `users` function, the
/// managed PostgreSQL and `emulator storm --compare` at three times the
/// database's `max_connections`.
@Suite struct PooledVersusDirectTests {
    static let maxConnections = 12
    static let poolCap = 3

    @Test func pooledLosesNothingWithinThePoolCapWhileDirectFailsWith53300() async throws {
        let project = try TestProject(
            functions: ["users": [:]], swiftFunctions: ["users"],
            extra: [
                "database": [
                    "managed": ["port": try freePort(), "maxConnections": Self.maxConnections],
                    "setup": DatabaseFunctionTests.setupSQL,
                ],
                "pool": ["port": try freePort(), "maxServerConnections": Self.poolCap, "acquireTimeoutMs": 30000],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let concurrency = 3 * Self.maxConnections

        let storm = try await StormProcess.run([
            "GET", "/users", "--concurrency", "\(concurrency)", "--requests", "\(3 * concurrency)",
            "--compare", "--json", "--target", host.url,
        ])
        #expect(storm.status == .exited(0), "\(storm.errors)")
        let report = try storm.report()
        let pooled = try #require(report["pooled"] as? [String: Any], "\(report)")
        let direct = try #require(report["direct"] as? [String: Any], "\(report)")

        // Pooled: every request succeeds; the database never sees more than the pool's cap.
        #expect(pooled["requests"] as? Int == 3 * concurrency)
        #expect(pooled["failed"] as? Int == 0, "\(pooled)")
        #expect(pooled["succeeded"] as? Int == 3 * concurrency)
        #expect((pooled["peakInstances"] as? Int ?? 0) > Self.maxConnections, "more instances than the database has slots")
        #expect((pooled["peakDatabaseConnections"] as? Int ?? .max) <= Self.poolCap, "\(pooled)")
        #expect(pooled["databaseMaxConnections"] as? Int == Self.maxConnections)

        // Direct: the instances beyond the database's slots fail, by the database's own 53300.
        let failures = direct["failuresByCause"] as? [String: Int] ?? [:]
        #expect((direct["failed"] as? Int ?? 0) > 0, "\(direct)")
        #expect((failures["sqlstate-53300"] ?? 0) > 0, "\(direct)")
        #expect(failures.values.reduce(0, +) == direct["failed"] as? Int)
        #expect((direct["peakDatabaseConnections"] as? Int ?? 0) > Self.poolCap, "\(direct)")

        // Churn: pooled, the database started no more backends than the pool's cap; direct,
        // every instance opened its own (more than the pool's cap, at least one per instance that connected).
        let pooledOpened = try #require(pooled["databaseConnectionsOpened"] as? Int, "\(pooled)")
        let directOpened = try #require(direct["databaseConnectionsOpened"] as? Int, "\(direct)")
        #expect(pooledOpened <= Self.poolCap, "\(pooled)")
        #expect(directOpened > Self.poolCap, "\(direct)")

        // The pool itself never opened more than its cap, and the storm put the mode back.
        let (_, stats) = try await host.json("GET", "/_emulator/stats")
        let pool = try #require(stats["pool"] as? [String: Any])
        #expect((pool["serverConnections"] as? [String: Any])?["peak"] as? Int ?? .max <= Self.poolCap)
        #expect(stats["mode"] as? String == "pooled")
        #expect(host.log.contains("[users/"), "instances served the storm")
    }
}
