import Foundation
import Testing
import TestSupport

/// The article's two Node.js handlers (the project's examples in
/// `Functions/users-node-client` and `Functions/users-node-pool`) on the real
/// node-postgres, pooled and direct.
@Suite struct NodePostgresTests {
    // Small, so that 3x max_connections Node.js instances start at once even on a loaded machine.
    static let maxConnections = 8
    static let poolCap = 3

    /// A project holding the example `name` as it is in the repository, with `pg` in its node_modules.
    static func exampleProject(_ name: String, file: String) throws -> (TestProject, databasePort: Int, poolPort: Int) {
        let source = try String(contentsOfFile: NodePostgres.packageRoot + "/Functions/\(name)/\(file)", encoding: .utf8)
        let (databasePort, poolPort) = (try freePort(), try freePort())
        let project = try TestProject(
            functions: [name: ["routes": ["GET /\(name)"]]], sources: [name: [file: source]],
            extra: [
                "database": [
                    "managed": ["port": databasePort, "maxConnections": Self.maxConnections],
                    "setup": DatabaseFunctionTests.setupSQL,
                ],
                "pool": ["port": poolPort, "maxServerConnections": Self.poolCap, "acquireTimeoutMs": 30000],
            ])
        try NodePostgres.install(into: project.directory + "/Functions/" + name)
        return (project, databasePort, poolPort)
    }

    @Test(arguments: [("users-node-client", "index.cjs"), ("users-node-pool", "index.mjs")])
    func pooledLosesNothingWithinThePoolCapWhileDirectFailsWith53300(example: String, file: String) async throws {
        let (project, _, _) = try Self.exampleProject(example, file: file)
        let host = try await HostProcess.start(configFile: project.configFile)
        let rows = try await host.request("GET", "/\(example)?limit=3")
        #expect(rows.status == 200, "\(String(decoding: rows.body, as: UTF8.self))\n\(host.log)")
        let users = try JSONSerialization.jsonObject(with: rows.body) as? [[String: Any]]
        #expect(users?.map { $0["id"] as? Int } == [1, 2, 3])

        let concurrency = 3 * Self.maxConnections
        let storm = try await StormProcess.run([
            "GET", "/\(example)", "--concurrency", "\(concurrency)", "--requests", "\(3 * concurrency)",
            "--compare", "--json", "--target", host.url,
        ])
        #expect(storm.status == .exited(0), "\(storm.errors)")
        let report = try storm.report()
        let pooled = try #require(report["pooled"] as? [String: Any], "\(report)")
        let direct = try #require(report["direct"] as? [String: Any], "\(report)")

        let errors = host.log.split(separator: "\n").filter { $0.contains("Invoke Error") || $0.contains("Task timed out") }
        #expect(pooled["failed"] as? Int == 0, "\(pooled)\n\(errors.prefix(5).joined(separator: "\n"))")
        #expect(pooled["succeeded"] as? Int == 3 * concurrency)
        #expect((pooled["peakInstances"] as? Int ?? 0) > Self.maxConnections, "more instances than the database has slots")
        #expect((pooled["peakDatabaseConnections"] as? Int ?? .max) <= Self.poolCap, "\(pooled)")

        let failures = direct["failuresByCause"] as? [String: Int] ?? [:]
        #expect((direct["failed"] as? Int ?? 0) > 0, "\(direct)")
        #expect((failures["sqlstate-53300"] ?? 0) > 0, "\(direct)")
        #expect(failures.values.reduce(0, +) == direct["failed"] as? Int, "every failure named by its cause: \(failures)")
    }
}
