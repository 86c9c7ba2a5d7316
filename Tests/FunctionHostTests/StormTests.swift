import ChildProcess
import Foundation
import Testing
import TestSupport

/// `emulator storm`: the real binary against real emulators, its `--json` report parsed.
@Suite struct StormTests {
    /// The keys `--json` prints per mode, and nothing else.
    static let reportKeys: Set<String> = [
        "requests", "succeeded", "failed", "failuresByCause", "p50Ms", "p95Ms", "p99Ms",
        "peakInstances", "coldStarts", "peakDatabaseConnections", "databaseMaxConnections", "databaseConnectionsOpened",
    ]

    @Test func everyRequestSucceedsAgainstEcho() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let run = try await StormProcess.run(
            ["GET", "/echo", "--concurrency", "3", "--requests", "30", "--target", host.url, "--json"])
        #expect(run.status == .exited(0), "\(run.errors)")
        let report = try run.report()
        #expect(Set(report.keys) == Self.reportKeys)
        #expect(report["requests"] as? Int == 30)
        #expect(report["succeeded"] as? Int == 30)
        #expect(report["failed"] as? Int == 0)
        #expect((report["failuresByCause"] as? [String: Int])?.isEmpty == true)
        #expect((1...3).contains(report["peakInstances"] as? Int ?? 0))
        #expect((1...3).contains(report["coldStarts"] as? Int ?? 0))
        #expect(report["coldStarts"] as? Int == (try await host.stats("echo")["coldStarts"] as? Int))
        let p50 = try #require(report["p50Ms"] as? Double)
        let p99 = try #require(report["p99Ms"] as? Double)
        #expect(p50 > 0 && p50 <= p99)
        #expect(report["peakDatabaseConnections"] is NSNull, "no database in this project")
        #expect(report["databaseMaxConnections"] is NSNull)
        #expect(report["databaseConnectionsOpened"] is NSNull)
        #expect(try await host.stats("echo")["invocations"] as? Int == 30)
    }

    /// A storm whose emulator stops does not go on firing at a closed port: it stops and says so.
    @Test func aStormStopsWhenItsTargetIsGone() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let storm = try await StormProcess.start(
            ["GET", "/echo", "--concurrency", "4", "--duration", "100", "--target", host.url, "--json"])
        #expect(try await HostProcess.eventually(30) { try await host.stats("echo")["invocations"] as? Int ?? 0 > 0 })
        host.process.signal(SIGKILL)
        let run = await storm.finish()
        #expect(run.status == .exited(1), "\(run.errors)")
        #expect(run.errors.contains("the emulator at \(host.url) is gone (Connection refused)"), "\(run.errors)")
    }

    @Test func failuresAreCountedByTheCauseTheHostGives() async throws {
        let project = try TestProject(functions: ["fail": ["handler": "fail"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let run = try await StormProcess.run(
            ["/fail", "--concurrency", "2", "--requests", "12", "--target", host.url, "--json"])
        #expect(run.status == .exited(0), "failures are results, not errors: \(run.errors)")
        let report = try run.report()
        #expect(report["requests"] as? Int == 12)
        #expect(report["succeeded"] as? Int == 0)
        #expect(report["failed"] as? Int == 12)
        let causes = try #require(report["failuresByCause"] as? [String: Int])
        #expect(causes.values.reduce(0, +) == 12)
        #expect(causes == ["function-error": 12])
    }

    @Test func aPathNobodyServesIsReportedAs404() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let run = try await StormProcess.run(
            ["GET", "/nowhere", "--concurrency", "2", "--requests", "10", "--target", host.url, "--json"])
        #expect(run.status == .exited(0))
        let report = try run.report()
        #expect(report["failed"] as? Int == 10)
        #expect(report["failuresByCause"] as? [String: Int] == ["http-404": 10])
        #expect(run.errors.contains("no function answers GET /nowhere (404)"))
    }

    @Test func compareWithoutADatabaseIsAClearError() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let run = try await StormProcess.run(
            ["/echo", "--concurrency", "1", "--requests", "2", "--target", host.url, "--compare", "--json"])
        #expect(run.status == .exited(1))
        #expect(run.output.isEmpty)
        #expect(run.errors.contains("--compare"))
        #expect(run.errors.contains("no database"))
        #expect(run.errors.contains("409"))
        #expect(try await host.stats("echo")["invocations"] as? Int == 0, "nothing was sent")
    }

    @Test func ctrlCStopsTheStormAndPrintsWhatItMeasured() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let storm = try await StormProcess.start(
            ["/slow?ms=200", "--concurrency", "2", "--requests", "1000", "--target", host.url, "--json"])
        #expect(try await HostProcess.eventually(30) { try await host.stats("slow")["invocations"] as? Int ?? 0 >= 4 })
        storm.process.signal(SIGINT)
        let run = await storm.finish()
        #expect(run.status == .exited(130), "\(run.errors)")
        let report = try run.report()
        #expect(Set(report.keys) == Self.reportKeys)
        let requests = try #require(report["requests"] as? Int)
        #expect(requests >= 4 && requests < 1000)
        #expect(report["failed"] as? Int == 0, "requests in flight finish instead of failing")
        #expect(run.errors.contains("interrupted"))
        // It stopped sending: the host saw no more than it reported.
        #expect(try await HostProcess.eventually(5) { try await host.instances("slow", "busy") == 0 })
        #expect(try await host.stats("slow")["invocations"] as? Int == requests)
    }

    @Test func withoutATargetItStartsTheProjectsEmulatorAndStopsIt() async throws {
        let port = try freePort()
        let project = try TestProject(functions: ["echo": ["handler": "echo"]], extra: ["port": port])
        let run = try await StormProcess.run(
            ["/echo", "--concurrency", "2", "--requests", "6", "--config", project.configFile, "--json"])
        #expect(run.status == .exited(0), "\(run.errors)")
        #expect(try run.report()["succeeded"] as? Int == 6)
        #expect(run.errors.contains("starting one"))
        let log = try String(contentsOfFile: project.directory + "/.emulator/storm-emulator.log", encoding: .utf8)
        #expect(log.contains("listening on http://127.0.0.1:\(port)"))
        #expect(try await StormProcess.run(
            ["/echo", "--concurrency", "1", "--requests", "1", "--target", "http://127.0.0.1:\(port)"]
        ).status == .exited(1), "the emulator storm started is gone")
    }

    @Test func anUnreachableTargetIsAClearError() async throws {
        let port = try freePort()
        let run = try await StormProcess.run(
            ["/echo", "--concurrency", "1", "--requests", "1", "--target", "http://127.0.0.1:\(port)"])
        #expect(run.status == .exited(1))
        #expect(run.errors.contains("no emulator answers at http://127.0.0.1:"))
        #expect(run.errors.contains("Connection refused"))
    }

    @Test(arguments: [
        (["/echo", "--concurrency", "0", "--requests", "1"], "--concurrency must be at least 1"),
        (["/echo", "--concurrency", "1", "--requests", "0"], "--requests must be at least 1"),
        (["/echo", "--concurrency", "1", "--requests", "5", "--duration", "2"], "not both"),
        (["/echo", "--concurrency", "1"], "give --requests M or --duration SECONDS"),
        (["echo", "--concurrency", "1", "--requests", "1"], "the path must start with /"),
        (["/echo", "--concurrency", "1", "--requests", "1", "--body", "{oops"], "--body is not valid JSON"),
        (["/echo", "--concurrency", "1", "--requests", "1", "--target", "https://x"], "--target expects http://HOST:PORT"),
    ])
    func badArgumentsAreRefused(arguments: [String], message: String) async throws {
        let run = try await StormProcess.run(arguments)
        #expect(run.status == .exited(64), "\(run.errors)")
        #expect(run.errors.contains(message))
    }
}

/// `emulator storm` as a process, its standard output and error captured apart.
final class StormProcess: Sendable {
    let process: ChildProcess
    private let output = CapturedOutput()
    private let errors = CapturedOutput()

    /// What a finished storm printed and how it ended.
    struct Result {
        let status: TerminationStatus
        /// Standard output: the report.
        let output: String
        /// Standard error: progress and messages.
        let errors: String

        /// Standard output parsed as a JSON object.
        func report() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(output.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(output)\n\(errors)")
        }
    }

    private init(process: ChildProcess) {
        self.process = process
    }

    /// Runs a storm to its end.
    static func run(_ arguments: [String]) async throws -> Result {
        try await start(arguments).finish()
    }

    /// Starts `emulator <command>` (storm unless said otherwise) with `arguments`;
    /// `environment` adds to (or replaces) its `PATH` and `HOME`.
    static func start(
        _ arguments: [String], command: String = "storm", environment extra: [String: String] = [:]
    ) async throws -> StormProcess {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory()]
        environment.merge(extra) { _, new in new }
        let process = try await ChildProcess.spawn(ProcessSpec(
            executable: HostProcess.binDirectory + "/emulator", arguments: [command] + arguments,
            environment: environment, output: .pipe))
        let storm = StormProcess(process: process)
        for (descriptor, captured) in [(process.standardOutput!, storm.output), (process.standardError!, storm.errors)] {
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count <= 0 { break }
                    captured.append(String(decoding: buffer[0..<count], as: UTF8.self))
                }
                close(descriptor)
                captured.streamClosed()
            }
        }
        return storm
    }

    /// Waits for the storm to end (killing it after two minutes) and for its output.
    func finish() async -> Result {
        let watchdog = Task { [process] in
            try await Task.sleep(for: .seconds(120))
            process.signal(SIGKILL)
        }
        let status = await process.waitForExit()
        watchdog.cancel()
        _ = await HostProcess.eventually(10) { output.closedStreams == 1 && errors.closedStreams == 1 }
        return Result(status: status, output: output.text, errors: errors.text)
    }

    deinit {
        process.signal(SIGKILL)
    }
}

extension HostProcess {
    /// The front door's URL, for `--target`.
    var url: String { "http://127.0.0.1:\(port)" }
}
