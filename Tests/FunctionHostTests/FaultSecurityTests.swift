import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// What the host exposes: only loopback sockets, no way for one instance to
/// answer for another, no password where a developer (or anyone) reads.
@Suite struct FaultSecurityTests {
    /// The listening TCP sockets of `pid` as `address:port` (hex address as in /proc/net/tcp, decoded for IPv4).
    static func listeningAddresses(of pid: Int32) throws -> [String] {
        var inodes: Set<String> = []
        for descriptor in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                  target.hasPrefix("socket:[") else { continue }
            inodes.insert(String(target.dropFirst(8).dropLast()))
        }
        var addresses: [String] = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // Read to the end: String(contentsOfFile:) stops after the first page of a /proc
            // table, so on a machine with many sockets it missed the host's.
            let text = String(decoding: FileHandle(forReadingAtPath: table)?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])) else { continue }
                addresses.append(decode(String(fields[1])))
            }
        }
        return addresses
    }

    /// `0100007F:1F90` → `127.0.0.1:8080`; IPv6 addresses stay hex, loopback as `::1`.
    static func decode(_ field: String) -> String {
        let parts = field.split(separator: ":")
        let port = Int(parts[1], radix: 16) ?? -1
        guard parts[0].count == 8, let raw = UInt32(parts[0], radix: 16) else {
            return (parts[0] == "00000000000000000000000001000000" ? "::1" : String(parts[0])) + ":\(port)"
        }
        let bytes = [raw & 0xFF, raw >> 8 & 0xFF, raw >> 16 & 0xFF, raw >> 24]
        return bytes.map(String.init).joined(separator: ".") + ":\(port)"
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address.hasPrefix("::1:")
    }

    @Test func everyListeningSocketIsOnLoopbackAndNoPasswordIsShown() async throws {
        let (poolPort, sqlPort) = (try freePort(), try freePort())
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: [
                "database": ["managed": ["port": try freePort(), "maxConnections": 20]],
                "pool": ["port": poolPort, "maxServerConnections": 2],
                "sqlOverHTTP": ["port": sqlPort],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/echo").status == 200)  // an instance, with its Runtime API port

        let hostSockets = try Self.listeningAddresses(of: host.process.pid)
        // The front door, the pool, SQL over HTTP and the instance's Runtime API at least.
        #expect(hostSockets.count >= 4, "\(hostSockets)")
        #expect(hostSockets.contains("127.0.0.1:\(host.port)") && hostSockets.contains("127.0.0.1:\(poolPort)"), "\(hostSockets)")
        #expect(hostSockets.contains("127.0.0.1:\(sqlPort)"), "\(hostSockets)")
        #expect(hostSockets.allSatisfy(Self.isLoopback), "\(hostSockets)")
        let database = try #require(try host.instancePIDs(command: "postgres").first)
        let databaseSockets = try Self.listeningAddresses(of: database)
        #expect(!databaseSockets.isEmpty)
        #expect(databaseSockets.allSatisfy(Self.isLoopback), "\(databaseSockets)")

        let url = try await ChildProcess.run(ProcessSpec(
            executable: HostProcess.binDirectory + "/emulator", arguments: ["url", "--config", project.configFile],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]), timeout: .seconds(60))
        let userInfo = try #require(url.output.split(separator: "@").first?.split(separator: "//").last)
        let password = try #require(userInfo.split(separator: ":").last.map(String.init))
        #expect(password.count >= 8, "\(url.output)")
        let stats = String(decoding: try await host.request("GET", "/_emulator/stats").body, as: UTF8.self)
        let metrics = String(decoding: try await host.request("GET", "/_emulator/metrics").body, as: UTF8.self)
        let echoed = String(decoding: try await host.request("GET", "/echo").body, as: UTF8.self)
        #expect(echoed.contains(password), "the instance itself is given the URL with the password")
        for (name, text) in [("stats", stats), ("metrics", metrics), ("log", host.log)] {
            #expect(!text.contains(password), "the password appears in the \(name)")
        }
    }

    @Test func anInstanceCannotAnswerAnotherInstancesInvocation() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"], "slow": ["handler": "slow"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let echoed = try JSONSerialization.jsonObject(with: try await host.request("GET", "/echo").body) as! [String: Any]
        let runtimeAPI = try #require((echoed["env"] as? [String: String])?["AWS_LAMBDA_RUNTIME_API"])

        async let slow = host.request("GET", "/slow?ms=5000")
        #expect(await HostProcess.eventually(10) { host.log.contains("[slow/") && host.log.contains("START RequestId:") })
        let startLine = try #require(host.log.split(separator: "\n").first { $0.contains("[slow/") && $0.contains("START RequestId:") })
        let requestId = try #require(startLine.split(separator: " ").drop { $0 != "RequestId:" }.dropFirst().first.map(String.init))

        // The echo instance, through its own Runtime API, names the slow instance's invocation.
        for (path, forged) in [("response", #"{"statusCode": 200, "body": "forged"}"#), ("error", #"{"errorType": "Forged", "errorMessage": "forged"}"#)] {
            var request = URLRequest(url: URL(string: "http://\(runtimeAPI)/2018-06-01/runtime/invocation/\(requestId)/\(path)")!)
            request.httpMethod = "POST"
            request.httpBody = Data(forged.utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode
            #expect(status == 400 || status == 404, "\(path): \(String(describing: status))")
        }
        let answer = try await slow
        #expect(answer.status == 200)
        #expect(!String(decoding: answer.body, as: UTF8.self).contains("orged"))
    }
}
