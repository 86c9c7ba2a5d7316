import Foundation
import Testing
import TestSupport

/// `freezeIdle`: an idle instance's processes are stopped between invocations
/// and continued for the next one, as Lambda freezes execution environments.
@Suite struct FreezeTests {
    @Test func aFrozenInstanceIsStoppedBetweenInvocationsAndAnswersTheNextOne() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "freezeIdle": true]])
        let host = try await HostProcess.start(configFile: project.configFile)

        let first = try await host.request("GET", "/echo")
        #expect(first.status == 200)
        let pid = try #require(first.headers["x-instance"].flatMap { Int32($0) })
        #expect(await HostProcess.eventually { processState(pid) == "T" }, "stopped while idle: \(String(describing: processState(pid)))")
        #expect(try await host.instances("echo", "frozen") == 1)
        let listed = try await host.stats("echo")["instanceList"] as? [[String: Any]] ?? []
        #expect(listed.count == 1 && listed.first?["state"] as? String == "frozen", "\(listed)")
        #expect((listed.first?["idleMs"] as? Double).map { $0 >= 0 } == true)

        let second = try await host.request("GET", "/echo")
        #expect(second.status == 200)
        #expect(second.headers["x-instance"] == first.headers["x-instance"], "the same instance, thawed")
        #expect(try await host.stats("echo")["coldStarts"] as? Int == 1)
        #expect(await HostProcess.eventually { processState(pid) == "T" })
    }

    @Test func withoutFreezeIdleAnIdleInstanceKeepsRunning() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/echo")
        let pid = try #require(response.headers["x-instance"].flatMap { Int32($0) })
        #expect(try await HostProcess.eventually { try await host.instances("echo", "idle") == 1 })
        #expect(processState(pid) != "T")
        #expect(try await host.instances("echo", "frozen") == 0)
    }

    @Test func aFrozenInstanceIsStoppedByItsIdleTimeout() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "freezeIdle": true, "idleTimeoutSeconds": 3]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/echo")
        let pid = try #require(response.headers["x-instance"].flatMap { Int32($0) })
        #expect(await HostProcess.eventually { processState(pid) == "T" })
        #expect(try await HostProcess.eventually(15) { try await host.instances("echo") == 0 })
        #expect(await HostProcess.eventually { !processIsAlive(pid) })
    }

    /// The database keeps counting a frozen instance's connection: the backend
    /// stays in `pg_stat_activity`, named after the stopped instance.
    @Test func aFrozenInstanceKeepsItsDatabaseConnectionOpen() async throws {
        let project = try TestProject(
            functions: ["users": ["freezeIdle": true]], swiftFunctions: ["users"],
            extra: [
                "mode": "direct",
                "database": [
                    "managed": ["port": try freePort(), "maxConnections": 12],
                    "setup": DatabaseFunctionTests.setupSQL,
                ],
                "pool": ["port": try freePort()],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/users").status == 200)
        let pids = try host.instancePIDs(command: "/users")
        let pid = try #require(pids.first, "the users instance among the host's children")
        #expect(await HostProcess.eventually { processState(pid) == "T" })

        var names: [String] = []
        #expect(try await HostProcess.eventually(15) {
            let database = try await host.json("GET", "/_emulator/stats").object["database"] as? [String: Any]
            names = (database?["backends"] as? [[String: Any]] ?? []).compactMap { $0["applicationName"] as? String }
            return names.contains { $0.hasPrefix("users/") }
        }, "\(names)")
        #expect(processState(pid) == "T", "still frozen while its connection is open")
        #expect(try await host.request("GET", "/users").status == 200)
    }
}
