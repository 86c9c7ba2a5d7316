import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// What a caller sends ends up in the event as data, never as structure.
@Suite struct FaultInjectionTests {
    @Test func headersPathsAndQueriesCannotInjectIntoTheEvent() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let evil = #"x", "requestContext": {"evil": 1}, "y": "\u0000"#
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(host.port)/echo/%22%2C%22injected%22%3A1%7D?q=%22%7D%2C%22injected%22%3A2")!)
        request.setValue(evil, forHTTPHeaderField: "X-Evil")
        request.setValue("a=\"};b", forHTTPHeaderField: "Cookie")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let echoed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let event = try #require(echoed["event"] as? [String: Any])
        #expect(event["injected"] == nil)
        #expect((event["headers"] as? [String: String])?["x-evil"] == evil)
        #expect((event["requestContext"] as? [String: Any])?["evil"] == nil)
        #expect(event["rawPath"] as? String == #"/echo/","injected":1}"# || event["rawPath"] as? String == "/echo/%22%2C%22injected%22%3A1%7D",
                "\(String(describing: event["rawPath"]))")
        #expect((event["queryStringParameters"] as? [String: String])?["q"] == #""},"injected":2"#)
        #expect(event["cookies"] as? [String] == ["a=\"}", "b"], "\(String(describing: event["cookies"]))")
        #expect(try await host.request("GET", "/echo").status == 200)
    }
}
