import ChildProcess
import Foundation
import ManagedPostgres
import Testing
import TestSupport

/// `serve` with a database: the managed PostgreSQL, the pool in front of it,
/// `emulator url`, and instances that get the pooled URL.
@Suite struct DatabaseWiringTests {
    @Test func serveStartsTheManagedDatabaseAndThePoolThatURLPrints() async throws {
        let databasePort = try freePort()
        let poolPort = try freePort()
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: [
                "database": ["managed": ["port": databasePort, "maxConnections": 20]],
                "pool": ["port": poolPort, "maxServerConnections": 3],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)

        let pooled = try await emulator(["url", "--config", project.configFile])
        let direct = try await emulator(["url", "--direct", "--config", project.configFile])
        #expect(pooled.hasPrefix("postgresql://app:") && pooled.hasSuffix("@127.0.0.1:\(poolPort)/app"))
        #expect(direct.hasSuffix("@127.0.0.1:\(databasePort)/app"))
        #expect(try await query(pooled, "SELECT current_user || '/' || current_database()") == "app/app")
        #expect(try await query(direct, "SELECT 40 + 2") == "42")

        let echoed = try JSONSerialization.jsonObject(with: try await host.request("GET", "/echo").body) as! [String: Any]
        let instanceURL = try #require((echoed["env"] as? [String: String])?["DATABASE_URL"])
        #expect(instanceURL.hasPrefix(pooled + "?application_name=echo%2F"), "\(instanceURL)")

        let (_, stats) = try await host.json("GET", "/_emulator/stats")
        let pool = try #require(stats["pool"] as? [String: Any])
        #expect((pool["queriesServed"] as? Int ?? 0) >= 1)
        #expect((pool["serverConnections"] as? [String: Any])?["max"] as? Int == 3)
        #expect(!host.log.contains(pooled.split(separator: "@")[0].split(separator: ":").last.map(String.init) ?? "never"),
                "the password must not appear in the log")
    }

    @Test func unreachableDatabaseURLIsReportedAndFunctionsStillServe() async throws {
        let deadPort = try freePort()
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: [
                "database": ["url": "postgresql://app:s3cret@127.0.0.1:\(deadPort)/app"],
                "pool": ["port": try freePort()],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(host.log.contains("cannot be reached"))
        #expect(host.log.contains("127.0.0.1:\(deadPort)"))
        #expect(!host.log.contains("s3cret"))
    }

    private func emulator(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(ProcessSpec(
            executable: HostProcess.binDirectory + "/emulator", arguments: arguments,
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]), timeout: .seconds(60))
        #expect(result.status == .exited(0), "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func query(_ url: String, _ sql: String) async throws -> String {
        let psql = try PostgresBinaries.locate().psql
        let result = try await ChildProcess.run(
            ProcessSpec(executable: psql, arguments: [url, "-XAtqc", sql]), timeout: .seconds(60))
        #expect(result.status == .exited(0), "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
