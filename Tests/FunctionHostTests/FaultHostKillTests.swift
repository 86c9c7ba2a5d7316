import ChildProcess
import Foundation
import ManagedPostgres
import Testing
import TestSupport

/// The host killed with SIGKILL under load leaves nothing running, and the
/// next start picks up the managed database where it was, past its stale pid file.
@Suite struct FaultHostKillTests {
    @Test func aKilledHostLeavesNoProcessAndTheNextStartReusesItsDatabase() async throws {
        let project = try TestProject(
            functions: ["slow": ["handler": "slow"]],
            extra: ["database": ["managed": ["port": try freePort(), "maxConnections": 20]], "pool": ["port": try freePort()]])
        let first = try await HostProcess.start(configFile: project.configFile)
        let direct = try await Self.emulator(["url", "--direct", "--config", project.configFile])
        _ = try await Self.query(direct, "CREATE TABLE survivor (n int); INSERT INTO survivor VALUES (42)")

        async let load = withTaskGroup(of: Int.self) { group in
            for _ in 0..<3 { group.addTask { (try? await first.request("GET", "/slow?ms=20000").status) ?? 0 } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(try await HostProcess.eventually(20) { try await first.instances("slow", "busy") == 3 })
        let instances = try first.instancePIDs()
        let database = try #require(try first.instancePIDs(command: "postgres").first)
        // The host and its database killed together (as `kill -9` of the terminal's process group does):
        // alone, the database would get SIGINT from the host's death and shut down cleanly.
        let killed = ContinuousClock.now
        first.process.signal(SIGKILL)
        kill(database, SIGKILL)
        let statuses = await load
        #expect(await HostProcess.eventually(10) { !instances.contains(where: processIsAlive) && !processIsAlive(database) })
        let allGone = ContinuousClock.now - killed
        let pidFile = project.directory + "/.emulator/postgres/data/postmaster.pid"
        #expect(FileManager.default.fileExists(atPath: pidFile), "the killed database leaves its pid file")

        let restarted = ContinuousClock.now
        let second = try await HostProcess.start(configFile: project.configFile)
        #expect(try await Self.query(direct, "SELECT n FROM survivor") == "42", "\(second.log)")
        #expect(try await second.request("GET", "/slow?ms=10").status == 200)
        print("fault host SIGKILL: \(statuses.count) requests in flight (client saw \(statuses.map { $0 == 0 ? "connection closed" : "\($0)" })),"
              + " \(instances.count) instances and the database gone \(allGone) after the kill,"
              + " next start serving with the data \(ContinuousClock.now - restarted) after it began")
    }

    static func emulator(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(ProcessSpec(
            executable: HostProcess.binDirectory + "/emulator", arguments: arguments,
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]), timeout: .seconds(60))
        #expect(result.status == .exited(0), "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func query(_ url: String, _ sql: String) async throws -> String {
        let result = try await ChildProcess.run(
            ProcessSpec(executable: try PostgresBinaries.locate().psql, arguments: [url, "-XAtqc", sql]), timeout: .seconds(60))
        #expect(result.status == .exited(0), "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
