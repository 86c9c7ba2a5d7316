import Foundation
import Testing

/// Bad input of every kind gets a clear error, and the host keeps serving.
@Suite struct BadInputTests {
    @Test func runtimeAPIRefusesUnknownIdsSecondAnswersAndGarbage() async throws {
        let project = try TestProject(functions: ["rogue": ["handler": "rogue"], "echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/rogue")
        #expect(status == 200)
        #expect(body["wrongId"] as? Int == 400)
        #expect((body["garbage"] as? String)?.hasPrefix("HTTP/1.1 400") == true)
        #expect(await HostProcess.eventually(5) { host.log.contains("second answer got 400") })
        #expect(host.log.contains("InvalidRequestID"))
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func runtimeAPIRefusesUnknownPathsAndALateInitError() async throws {
        let project = try TestProject(functions: ["late": ["handler": "latecalls"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/late")
        #expect(status == 200)
        #expect(body["unknownPath"] as? Int == 404)
        #expect(body["lateInitError"] as? Int == 403)
    }

    @Test func aRuntimeThatReconnectsWhileWaitingForAnEventGetsIt() async throws {
        let project = try TestProject(functions: ["reconnect": ["handler": "reconnect", "timeoutSeconds": 5]])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/reconnect").status == 200)  // cold: the first /next answers at once
        try await Task.sleep(for: .seconds(1))  // the runtime's /next times out and reconnects a few times
        let response = try await host.request("GET", "/reconnect")
        #expect(response.status == 200)
    }

    @Test func anInformationalStatusFromTheFunctionIs502() async throws {
        let project = try TestProject(functions: ["info": ["handler": "informational"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/info")
        #expect(status == 502)
        #expect(body["errorType"] as? String == "Runtime.InvalidResponse")
    }

    @Test func malformedHTTPAtTheFrontDoorGets400AndHostKeepsServing() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let reply = try RawSocket.exchange(port: host.port, bytes: Array("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n".utf8))
        #expect(reply.hasPrefix("HTTP/1.1 400"))
        #expect(try await host.request("GET", "/echo").status == 200)
    }

    @Test func adminEndpointsAnswerUnknownPathsWithJSON404() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/_emulator/nope")
        #expect(status == 404)
        #expect((body["message"] as? String)?.contains("/_emulator/nope") == true)
    }
}

/// A plain TCP exchange for bytes no HTTP client would send.
enum RawSocket {
    static func exchange(port: Int, bytes: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HostError(message: "connect failed: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
