import ChildProcess
import Foundation
import ManagedPostgres
import Testing
import TestSupport

/// Pooled and direct mode: `--direct`, `POST /_emulator/mode`, and the
/// `DATABASE_URL` (with its `application_name`) each instance gets.
@Suite struct ModeSwitchTests {
    /// A project with one echo function and a managed database with a pool in front.
    private func project(_ functions: [String: [String: Any]] = ["echo": ["handler": "echo"]]) throws -> (TestProject, database: Int, pool: Int) {
        let databasePort = try freePort()
        let poolPort = try freePort()
        let project = try TestProject(
            functions: functions,
            extra: [
                "database": ["managed": ["port": databasePort, "maxConnections": 12]],
                "pool": ["port": poolPort, "maxServerConnections": 2],
            ])
        return (project, databasePort, poolPort)
    }

    /// The `DATABASE_URL` the echo function's instance saw, and that instance's id.
    private func echoedURL(_ host: HostProcess) async throws -> (url: String, instance: String) {
        let (status, body, _) = try await host.request("GET", "/echo")
        #expect(status == 200)
        let echoed = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        let environment = try #require(echoed?["env"] as? [String: String])
        let url = try #require(environment["DATABASE_URL"])
        let stream = try #require(environment["AWS_LAMBDA_LOG_STREAM_NAME"])
        return (url, String(stream.split(separator: "]").last ?? ""))
    }

    @Test func switchingToDirectRecyclesInstancesAndNewOnesGetTheDatabaseURL() async throws {
        let (project, databasePort, poolPort) = try project()
        let host = try await HostProcess.start(configFile: project.configFile)

        let pooled = try await echoedURL(host)
        #expect(pooled.url.contains("@127.0.0.1:\(poolPort)/app?application_name=echo%2F\(pooled.instance)"), "\(pooled.url)")
        #expect(try await host.instances("echo", "idle") == 1)

        let (status, answer) = try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8))
        #expect(status == 200)
        #expect(answer["mode"] as? String == "direct")
        #expect(answer["previous"] as? String == "pooled")
        #expect(answer["recycledInstances"] as? Int == 1)
        #expect(try await HostProcess.eventually { try await host.instances("echo") == 0 })
        #expect(try await host.json("GET", "/_emulator/stats").object["mode"] as? String == "direct")

        let direct = try await echoedURL(host)
        #expect(direct.instance != pooled.instance)
        #expect(direct.url.contains("@127.0.0.1:\(databasePort)/app?application_name=echo%2F\(direct.instance)"), "\(direct.url)")
        #expect(try await host.stats("echo")["coldStarts"] as? Int == 2)

        // Switching to the same mode still starts from fresh instances.
        let (again, repeated) = try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8))
        #expect(again == 200)
        #expect(repeated["previous"] as? String == "direct")
        #expect(try await echoedURL(host).instance != direct.instance)
    }

    @Test func anInFlightInvocationFinishesAndItsInstanceIsRetiredAfterwards() async throws {
        let (project, _, _) = try project(["slow": ["handler": "slow"], "echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        async let slow = host.request("GET", "/slow?ms=5000")  // busy throughout, even on a loaded machine
        #expect(try await HostProcess.eventually { try await host.instances("slow", "busy") == 1 })

        let (status, answer) = try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8))
        #expect(status == 200)
        #expect(answer["recycledInstances"] as? Int == 0, "a busy instance is not stopped at once")
        #expect(try await host.instances("slow", "busy") == 1)

        #expect(try await slow.status == 200)
        #expect(try await HostProcess.eventually { try await host.instances("slow") == 0 },
                "the instance launched in pooled mode is not reused in direct mode")
    }

    @Test func directFlagStartsInDirectMode() async throws {
        let (project, databasePort, _) = try project()
        let host = try await HostProcess.start(configFile: project.configFile, extraArguments: ["--direct"])
        #expect(try await host.json("GET", "/_emulator/stats").object["mode"] as? String == "direct")
        #expect(try await echoedURL(host).url.contains("@127.0.0.1:\(databasePort)/app?"))
    }

    @Test(arguments: [#"{"mode":"turbo"}"#, #"{"mode":1}"#, "not json", "", #"["direct"]"#])
    func badModeRequestsAre400AndChangeNothing(body: String) async throws {
        let (project, _, _) = try project()
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, answer) = try await host.json("POST", "/_emulator/mode", body: Data(body.utf8))
        #expect(status == 400)
        #expect(answer["message"] as? String == #"expected a JSON body {"mode": "pooled"}, {"mode": "direct"} or {"mode": "http"}"#)
        #expect(try await host.json("GET", "/_emulator/stats").object["mode"] as? String == "pooled")
    }

    @Test func switchingWithoutADatabaseIs409() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, answer) = try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8))
        #expect(status == 409)
        #expect((answer["message"] as? String)?.contains("no database") == true)
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func statsShowTheDatabaseConnectionsAndTheirApplicationNames() async throws {
        let (project, _, _) = try project()
        let host = try await HostProcess.start(configFile: project.configFile, extraArguments: ["--direct"])
        let (url, instance) = try await echoedURL(host)
        // Hold a connection the way the instance would, under the name it was given.
        let psql = try await HeldConnection.open(url: url)
        var database: [String: Any] = [:]
        #expect(try await HostProcess.eventually(15) {
            database = try await host.json("GET", "/_emulator/stats").object["database"] as? [String: Any] ?? [:]
            let names = (database["backends"] as? [[String: Any]] ?? []).compactMap { $0["applicationName"] as? String }
            return names.contains("echo/\(instance)")
        }, "\(database)")
        #expect(database["maxConnections"] as? Int == 12)
        #expect((database["connections"] as? Int ?? 0) >= 1)
        #expect((database["peakConnections"] as? Int ?? 0) >= 1)
        await psql.close()
    }
}

/// A `psql` session that keeps one database connection open until closed.
private struct HeldConnection {
    let process: ChildProcess

    static func open(url: String) async throws -> HeldConnection {
        let psql = try PostgresBinaries.locate().psql
        return HeldConnection(process: try await ChildProcess.spawn(
            ProcessSpec(executable: psql, arguments: [url, "-XAtqc", "SELECT pg_sleep(120)"])))
    }

    func close() async {
        process.signal(SIGKILL)
        _ = await process.waitForExit()
    }
}
