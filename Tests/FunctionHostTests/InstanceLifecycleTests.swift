import Foundation
import Testing

/// Cold starts, warm reuse, one instance per concurrent request, limits and idle teardown.
@Suite struct InstanceLifecycleTests {
    @Test func coldStartThenWarmReuseOfTheSameInstance() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let first = try await host.request("GET", "/echo")
        let second = try await host.request("GET", "/echo/again")
        #expect(first.status == 200 && second.status == 200)
        #expect(first.headers["x-instance"] != nil)
        #expect(first.headers["x-instance"] == second.headers["x-instance"])
        let stats = try await host.stats("echo")
        #expect(stats["invocations"] as? Int == 2)
        #expect(stats["coldStarts"] as? Int == 1)
        #expect(try await host.instances("echo") == 1)
        // The host writes its lines before it answers, but the test reads them from a pipe on its own time.
        #expect(await HostProcess.eventually { host.log.contains("Max Memory Used:") }, "\(host.log)")
        #expect(host.log.contains("Init Duration:"))
        #expect(host.log.contains("START RequestId:"))
        #expect(host.log.contains("END RequestId:"))
        #expect(host.log.contains("Billed Duration:"))
        #expect(host.log.contains("Max Memory Used:"))
    }

    @Test func concurrentRequestsGetOneInstanceEach() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let pids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 {
                group.addTask { String(decoding: try await host.request("GET", "/slow?ms=3000").body, as: UTF8.self) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(pids.count == 5)
        #expect(try await host.instances("slow") == 5)
        #expect(try await host.stats("slow")["coldStarts"] as? Int == 5)
    }

    @Test func maxConcurrencyThrottlesWith429() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow", "maxConcurrency": 2]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let statuses = try await withThrowingTaskGroup(of: (Int, Data, String?).self) { group in
            for _ in 0..<5 {
                group.addTask {
                    let response = try await host.request("GET", "/slow?ms=4000")
                    return (response.status, response.body, response.headers["x-emulator-failure"])
                }
            }
            return try await group.reduce(into: [(Int, Data, String?)]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0.0 == 200 }.count == 2)
        let throttled = statuses.filter { $0.0 == 429 }
        #expect(throttled.count == 3)
        for (_, body, cause) in throttled {
            #expect(String(decoding: body, as: UTF8.self) == #"{"message":"Too Many Requests"}"#)
            #expect(cause == "throttled")
        }
        #expect(try await host.stats("slow")["throttles"] as? Int == 3)
        #expect(try await host.failuresByCause("slow") == ["throttled": 3])
    }

    @Test func accountConcurrencyThrottlesAcrossFunctions() async throws {
        let project = try TestProject(
            functions: ["a": ["handler": "slow"], "b": ["handler": "slow"]], extra: ["accountConcurrency": 1])
        let host = try await HostProcess.start(configFile: project.configFile)
        async let first = host.request("GET", "/a?ms=6000")  // busy throughout, even on a loaded machine
        #expect(try await HostProcess.eventually(10) {
            try await host.instances("a", "starting") + host.instances("a", "busy") == 1
        })
        let second = try await host.request("GET", "/b?ms=10")
        #expect(second.status == 429)
        #expect(try await first.status == 200)
    }

    @Test func idleInstancesAreStoppedAfterIdleTimeout() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "idleTimeoutSeconds": 3]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/echo")
        let pid = try #require(Int32(response.headers["x-instance"] ?? ""))
        #expect(processIsAlive(pid))
        #expect(await HostProcess.eventually(15) { !processIsAlive(pid) })
        #expect(try await HostProcess.eventually(5) { try await host.instances("echo") == 0 })
        let again = try await host.request("GET", "/echo")
        #expect(again.status == 200)
        #expect(again.headers["x-instance"] != response.headers["x-instance"])
    }

    @Test func burstRateThrottlesNewInstancesWith429() async throws {
        let project = try TestProject(
            functions: ["slow": ["handler": "slow"]],
            extra: ["burst": ["capacity": 1, "refillAmount": 1, "refillIntervalSeconds": 3600]])
        let host = try await HostProcess.start(configFile: project.configFile)
        // Long enough that the second request surely finds it busy, even on a loaded machine.
        async let first = host.request("GET", "/slow?ms=6000")
        #expect(try await HostProcess.eventually(10) {
            try await host.instances("slow", "starting") + host.instances("slow", "busy") == 1
        })
        let second = try await host.request("GET", "/slow?ms=10")
        #expect(second.status == 429)
        #expect(try await first.status == 200)
        // A warm instance needs no token.
        #expect(try await host.request("GET", "/slow?ms=10").status == 200)
    }

    @Test func coldStartDelayCountsAsInitDuration() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "coldStartDelayMs": 700]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(await HostProcess.eventually { host.log.contains("Init Duration:") }, "\(host.log)")
        let report = try #require(host.log.split(separator: "\n").first { $0.contains("Init Duration:") })
        let initDuration = try #require(Double(report.split(separator: "Init Duration: ")[1].split(separator: " ")[0]))
        #expect(initDuration >= 700, "the delay is part of the cold start: \(report)")
    }
}
