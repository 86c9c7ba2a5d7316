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
        let instances = try host.instancePIDs()
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
        let instances = try host.instancePIDs()
        host.process.signal(SIGTERM)
        #expect(try await inFlight.status == 200)
        #expect(await host.process.waitForExit() == .exited(0))
        #expect(!instances.contains(where: processIsAlive))
    }
}
