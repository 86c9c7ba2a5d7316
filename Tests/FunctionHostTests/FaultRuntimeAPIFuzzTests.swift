import Foundation
import Testing
import TestSupport

/// Random and mutated HTTP at an instance's Runtime API: the host answers or
/// closes, never crashes, and keeps serving the function.
@Suite struct FaultRuntimeAPIFuzzTests {
    static func request(_ method: String, _ path: String, headers: [String] = [], body: String = "") -> [UInt8] {
        var text = "\(method) /2018-06-01/runtime/\(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { text += header + "\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return Array(text.utf8)
    }

    static let validRequests: [[UInt8]] = [
        request("POST", "invocation/00000000-0000-0000-0000-000000000000/response", body: #"{"statusCode": 200}"#),
        request("POST", "invocation/nope/error", headers: ["Lambda-Runtime-Function-Error-Type: Fuzz"],
                body: #"{"errorType": "Fuzz", "errorMessage": "fuzz"}"#),
        request("POST", "init/error", body: #"{"errorType": "Fuzz"}"#),
        request("GET", "invocation/nope"),
        request("PUT", "invocation/next"),
        request("POST", "invocation/x/response", headers: ["Transfer-Encoding: chunked"], body: ""),
    ]

    static func mutate(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        switch Int.random(in: 0..<5, using: &random) {
        case 0:  // flip some bytes
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        case 1:  // truncate
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
        case 2:  // a huge or negative length
            let length = ["99999999999", "-1", "7", "0x10", ""].randomElement(using: &random)!
            let text = String(decoding: bytes, as: UTF8.self)
            bytes = Array(text.replacingOccurrences(of: "Content-Length: ", with: "Content-Length: \(length)").utf8)
        case 3:  // a long header line
            let text = String(decoding: bytes, as: UTF8.self)
            let header = "X-Fuzz: " + String(repeating: "a", count: Int.random(in: 1...100_000, using: &random)) + "\r\n"
            bytes = Array(text.replacingOccurrences(of: "Host: 127.0.0.1\r\n", with: "Host: 127.0.0.1\r\n" + header).utf8)
        default:  // random bytes
            bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        return bytes
    }

    /// Sends `bytes`, closes the sending side, and reads until the host closes; the reply's status line.
    static func exchange(port: Int, _ bytes: [UInt8]) throws -> String {
        let reply = try RawSocket.exchange(port: port, bytes: bytes, closingWrite: true)
        return String(reply.prefix { $0 != "\r" && $0 != "\r\n" })
    }

    @Test func mutatedRequestsAtTheRuntimeAPINeverStopTheHost() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let first = try JSONSerialization.jsonObject(with: try await host.request("GET", "/echo").body) as! [String: Any]
        let runtimeAPI = try #require((first["env"] as? [String: String])?["AWS_LAMBDA_RUNTIME_API"])
        let port = try #require(Int(runtimeAPI.split(separator: ":").last ?? ""))

        let run = FuzzRun(seed: 0x0F0F_2026, iterations: 80)
        var random = SeededGenerator(seed: run.seed)
        var statuses: [String: Int] = [:]
        for round in 0..<run.iterations {
            let valid = Self.validRequests.randomElement(using: &random)!
            let bytes = round % 4 == 0 ? valid : Self.mutate(valid, using: &random)
            let status = try Self.exchange(port: port, bytes)
            statuses[String(status.prefix(12)), default: 0] += 1
            #expect(status.isEmpty || status.hasPrefix("HTTP/1.1 4"), "round \(round): \(status)")
        }
        #expect(statuses["HTTP/1.1 400", default: 0] > 0, "\(statuses)")
        #expect(processIsAlive(host.process.pid))
        // The instance that was fuzzed still serves, and so does the host.
        let after = try JSONSerialization.jsonObject(with: try await host.request("GET", "/echo").body) as! [String: Any]
        #expect(after["pid"] as? Int == first["pid"] as? Int)
        print("fuzz Runtime API: \(run), replies \(statuses.sorted { $0.key < $1.key })")
    }
}
