import ChildProcess
import Foundation
import Testing

/// No instance outlives the host, however it stops.
@Suite struct ShutdownTests {
    @Test func sigkillOfTheHostTakesEveryInstanceAndTheirChildren() async throws {
        let project = try TestProject(functions: ["spawner": ["handler": "spawner"], "slow": ["handler": "slow"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let grandchild = try #require(Int32(String(decoding: try await host.request("GET", "/spawner").body, as: UTF8.self)))
        async let inFlight = host.request("GET", "/slow?ms=20000")
        #expect(try await HostProcess.eventually(10) { try await host.instances("slow", "busy") == 1 })
        let instances = try instancePIDs(of: host.process.pid)
        #expect(instances.count == 2)
        #expect(instances.allSatisfy(processIsAlive))
        host.process.signal(SIGKILL)
        _ = try? await inFlight
        #expect(await HostProcess.eventually(10) { !instances.contains(where: processIsAlive) })
        #expect(await HostProcess.eventually(10) { !processIsAlive(grandchild) })
    }

    @Test func sigtermDrainsInFlightRequestsThenStopsEveryInstance() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        async let inFlight = host.request("GET", "/slow?ms=1000")
        #expect(try await HostProcess.eventually(10) { try await host.instances("slow", "busy") == 1 })
        let instances = try instancePIDs(of: host.process.pid)
        host.process.signal(SIGTERM)
        #expect(try await inFlight.status == 200)
        #expect(await host.process.waitForExit() == .exited(0))
        #expect(!instances.contains(where: processIsAlive))
    }

    /// The host's direct children running a function's bootstrap (its instances).
    private func instancePIDs(of host: Int32) throws -> [Int32] {
        let tasks = try String(contentsOfFile: "/proc/\(host)/task/\(host)/children", encoding: .utf8)
        var children = tasks.split(separator: " ").compactMap { Int32($0) }
        for thread in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(host)/task") {
            let more = (try? String(contentsOfFile: "/proc/\(host)/task/\(thread)/children", encoding: .utf8)) ?? ""
            children += more.split(separator: " ").compactMap { Int32($0) }
        }
        return Set(children).filter { pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return command.contains("bootstrap")
        }
    }
}
