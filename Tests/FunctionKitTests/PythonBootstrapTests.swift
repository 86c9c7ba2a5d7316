import Foundation
import Testing

/// The emulator's built-in Python runtime (`Sources/FunctionHost/Runtimes/python/bootstrap.py`)
/// as a real process against a Runtime API peer, started as the host starts it:
/// the function folder as working directory and `_HANDLER` set.
@Suite("Built-in Python runtime as a process", .timeLimit(.minutes(1)))
struct PythonBootstrapTests {
    static var bootstrap: URL { Fixtures.pythonRuntime }

    /// Starts the bootstrap with `handler` in `folder` against a fresh peer, runs `body`, then stops both.
    func withBootstrap(
        handler: String = "handler.handle",
        folder: URL = Fixtures.helloPython,
        _ body: (RuntimeAPIPeer, FunctionProcess) async throws -> Void
    ) async throws {
        let peer = try await RuntimeAPIPeer.start()
        var environment = Fixtures.instanceEnvironment(peer: peer, functionName: "hello-python")
        environment["_HANDLER"] = handler
        let process = try FunctionProcess(Self.bootstrap, environment: environment, workingDirectory: folder, peer: peer)
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

    /// A temporary folder holding `failing.py`, whose `handle` raises for `/boom`.
    func handlerFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("functionkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        def handle(event, context):
            if event["rawPath"] == "/boom":
                raise ValueError("boom at " + event["rawPath"])
            return {"statusCode": 200, "body": context.aws_request_id}
        """.write(to: folder.appendingPathComponent("failing.py"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("an event is answered with the 2.0 response of handler.handle")
    func answersEvent() async throws {
        try await withBootstrap { peer, _ in
            let response = try await peer.invoke(Fixtures.event(path: "/hello-python"), requestID: "py-1")
            #expect(response.path == "/2018-06-01/runtime/invocation/py-1/response")
            let result = try Fixtures.object(response.body)
            #expect(result["statusCode"] as? Int == 200)
            let greeting = try Fixtures.object(try #require(result["body"] as? String))
            #expect(greeting["message"] as? String == "Hello from Python!")
            #expect(greeting["function"] as? String == "hello-python")
            #expect(greeting["path"] as? String == "/hello-python")
        }
    }

    @Test("several invocations travel on one keep-alive connection")
    func keepAlive() async throws {
        try await withBootstrap { peer, _ in
            for index in 1...3 {
                let response = try await peer.invoke(Fixtures.event(path: "/p/\(index)"), requestID: "py-keep-\(index)")
                #expect(response.path.hasSuffix("/py-keep-\(index)/response"))
            }
            #expect(Set(await peer.requests.map(\.connection)) == [1])
        }
    }

    @Test("an exception is posted to /invocation/{id}/error and the next event is served")
    func handlerError() async throws {
        let folder = try handlerFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withBootstrap(handler: "failing.handle", folder: folder) { peer, _ in
            let failure = try await peer.invoke(Fixtures.event(path: "/boom"), requestID: "py-err")
            #expect(failure.path == "/2018-06-01/runtime/invocation/py-err/error")
            #expect(failure.headers.first(name: "Lambda-Runtime-Function-Error-Type") == "ValueError")
            let report = try Fixtures.object(failure.body)
            #expect(report["errorType"] as? String == "ValueError")
            #expect(report["errorMessage"] as? String == "boom at /boom")

            let success = try await peer.invoke(Fixtures.event(path: "/calm"), requestID: "py-ok")
            #expect(success.path.hasSuffix("/py-ok/response"))
            #expect(try Fixtures.object(success.body)["body"] as? String == "py-ok")
        }
    }

    @Test("a handler that cannot be imported is posted to /init/error and the runtime exits with 1")
    func initError() async throws {
        try await withBootstrap(handler: "no_such_module.handle") { peer, process in
            let request = try await peer.request { $0.path == "/2018-06-01/runtime/init/error" }
            #expect(request.headers.first(name: "Lambda-Runtime-Function-Error-Type") == "ModuleNotFoundError")
            #expect(try Fixtures.object(request.body)["errorType"] as? String == "ModuleNotFoundError")
            let (status, _) = await process.waitForExit()
            #expect(status == 1)
            #expect(await peer.requests.allSatisfy { !$0.path.hasSuffix("/next") })
        }
    }

    @Test("without AWS_LAMBDA_RUNTIME_API it says so on stderr and exits with 1")
    func missingEndpoint() async throws {
        let process = try FunctionProcess(Self.bootstrap, environment: [:], workingDirectory: Fixtures.helloPython)
        let (status, standardError) = await process.waitForExit()
        #expect(status == 1)
        #expect(standardError.contains("AWS_LAMBDA_RUNTIME_API is not set"))
    }
}
