import Foundation
import Testing

/// The built Swift `hello` function as a real process, started the way the
/// host starts an instance, against a Runtime API peer.
@Suite("Swift hello function as a process", .timeLimit(.minutes(1)))
struct HelloFunctionTests {
    /// Starts `hello` against a fresh peer, runs `body`, then stops both.
    func withHello(_ body: (RuntimeAPIPeer, FunctionProcess) async throws -> Void) async throws {
        let peer = try await RuntimeAPIPeer.start()
        let process = try FunctionProcess(
            Fixtures.hello,
            environment: Fixtures.instanceEnvironment(peer: peer, functionName: "hello"),
            peer: peer
        )
        do {
            try await body(peer, process)
        } catch {
            await process.stop()
            await peer.stop()
            throw error
        }
        await process.stop()
        await peer.stop()
    }

    @Test("an event is answered at /invocation/{id}/response with the function's name and the request's path")
    func answersEvent() async throws {
        try await withHello { peer, _ in
            let response = try await peer.invoke(Fixtures.event(path: "/hello/there"), requestID: "8f5e-first")
            #expect(response.method == .POST)
            #expect(response.path == "/2018-06-01/runtime/invocation/8f5e-first/response")
            let result = try Fixtures.object(response.body)
            #expect(result["statusCode"] as? Int == 200)
            #expect((result["headers"] as? [String: String])?["content-type"] == "application/json")
            let greeting = try Fixtures.object(try #require(result["body"] as? String))
            #expect(greeting["message"] as? String == "Hello from Swift!")
            #expect(greeting["function"] as? String == "hello")
            #expect(greeting["path"] as? String == "/hello/there")
        }
    }

    @Test("every call of several invocations travels on one keep-alive connection")
    func keepAlive() async throws {
        try await withHello { peer, _ in
            for index in 1...3 {
                let response = try await peer.invoke(Fixtures.event(path: "/hello/\(index)"), requestID: "keep-\(index)")
                #expect(response.path.hasSuffix("/keep-\(index)/response"))
            }
            let requests = await peer.requests
            #expect(requests.count >= 6)  // 3 × (/next + /response)
            #expect(Set(requests.map(\.connection)) == [1])
        }
    }

    @Test("without AWS_LAMBDA_RUNTIME_API it says so on stderr and exits with 1")
    func missingEndpoint() async throws {
        let process = try FunctionProcess(Fixtures.hello, environment: [:])
        let (status, standardError) = await process.waitForExit()
        #expect(status == 1)
        #expect(standardError.contains("AWS_LAMBDA_RUNTIME_API is not set"))
    }

    @Test("an AWS_LAMBDA_RUNTIME_API that is not host:port is refused with exit 1")
    func invalidEndpoint() async throws {
        let process = try FunctionProcess(Fixtures.hello, environment: ["AWS_LAMBDA_RUNTIME_API": "nowhere"])
        let (status, standardError) = await process.waitForExit()
        #expect(status == 1)
        #expect(standardError.contains("AWS_LAMBDA_RUNTIME_API must be host:port, got 'nowhere'"))
    }

    @Test("when the Runtime API goes away the function exits with 1 instead of lingering")
    func exitsWhenHostGoesAway() async throws {
        let peer = try await RuntimeAPIPeer.start()
        let process = try FunctionProcess(
            Fixtures.hello, environment: Fixtures.instanceEnvironment(peer: peer, functionName: "hello")
        )
        _ = try await peer.request { $0.path.hasSuffix("/invocation/next") }
        await peer.stop()
        let (status, standardError) = await process.waitForExit()
        #expect(status == 1)
        #expect(standardError.contains("closed the connection"))
    }
}
