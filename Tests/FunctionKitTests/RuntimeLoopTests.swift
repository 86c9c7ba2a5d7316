import Foundation
import NIOPosix
import Testing
@testable import FunctionKit

/// The runtime loop inside this test process, against a real Runtime API peer
/// over loopback HTTP: what a function's handler errors and setup failures
/// look like to the host.
@Suite("Runtime loop against a Runtime API peer", .serialized, .timeLimit(.minutes(1)))
struct RuntimeLoopTests {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    struct MissingSetting: Error, CustomStringConvertible {
        var description: String { "DATABASE_URL is not set" }
    }

    struct Seen: Codable {
        var requestID: String
        var deadlineEpochMilliseconds: Int64
        var invokedFunctionARN: String
        var traceID: String?
        var traceEnvironment: String?
        var functionName: String
        var memoryLimitMB: Int
        var remainingSeconds: Int64
        var event: [String: Int]
    }

    struct BrokenFunction: HTTPFunction {
        init() throws { throw MissingSetting() }
        func handle(_ request: HTTPRequest, context: Context) async throws -> HTTPResponse { HTTPResponse() }
    }

    static let environment = FunctionEnvironment(
        functionName: "in-process", functionVersion: "$LATEST", memoryLimitMB: 512,
        logGroupName: "", logStreamName: "", region: "", logLevel: .info
    )

    /// Runs the loop with `setup` against a fresh peer while `body` runs, then
    /// stops the peer (which ends the loop) and returns how the loop ended.
    @discardableResult
    func withRuntime<Event: Decodable & SendableMetatype, Output: Encodable & SendableMetatype>(
        setup: sending @escaping () async throws -> RuntimeLoop.Handler<Event, Output>,
        _ body: (RuntimeAPIPeer) async throws -> Void
    ) async throws -> (any Error)? {
        let peer = try await RuntimeAPIPeer.start()
        let endpoint = try #require(Endpoint(peer.endpoint))
        let loop = Task {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var ending: (any Error)?
            do {
                try await RuntimeLoop.run(endpoint: endpoint, group: group, environment: Self.environment, setup: setup)
            } catch {
                ending = error
                await peer.abandonWaits("the runtime loop ended: \(error)")
            }
            try? await group.shutdownGracefully()
            return ending
        }
        do {
            try await body(peer)
        } catch {
            await peer.stop()
            _ = await loop.value
            throw error
        }
        await peer.stop()
        return await loop.value
    }

    @Test("a handler error is posted to /invocation/{id}/error and the next event is served")
    func handlerErrorThenNextEvent() async throws {
        try await withRuntime(setup: {
            { (request: HTTPRequest, _: Context) -> HTTPResponse in
                if request.rawPath == "/forbidden" { throw Refusal(description: "no entry to /forbidden") }
                return HTTPResponse(statusCode: 200, body: "fine")
            }
        }) { peer in
            let failure = try await peer.invoke(Fixtures.event(path: "/forbidden"), requestID: "req-1")
            #expect(failure.path == "/2018-06-01/runtime/invocation/req-1/error")
            #expect(failure.headers.first(name: "Lambda-Runtime-Function-Error-Type") == "Refusal")
            let report = try Fixtures.object(failure.body)
            #expect(report["errorType"] as? String == "Refusal")
            #expect(report["errorMessage"] as? String == "no entry to /forbidden")
            #expect((report["stackTrace"] as? [Any])?.isEmpty == true)

            let success = try await peer.invoke(Fixtures.event(path: "/ok"), requestID: "req-2")
            #expect(success.path == "/2018-06-01/runtime/invocation/req-2/response")
            #expect(try Fixtures.object(success.body)["body"] as? String == "fine")
        }
    }

    @Test("an event that does not decode is reported as a DecodingError")
    func undecodableEvent() async throws {
        try await withRuntime(setup: {
            { (request: HTTPRequest, _: Context) in HTTPResponse(body: request.rawPath) }
        }) { peer in
            let failure = try await peer.invoke(#"{"not":"an http event"}"#, requestID: "bad")
            #expect(failure.path == "/2018-06-01/runtime/invocation/bad/error")
            #expect(try Fixtures.object(failure.body)["errorType"] as? String == "DecodingError")
        }
    }

    @Test("a failing setup is posted to /init/error and ends the runtime before any /next")
    func initError() async throws {
        let ending = try await withRuntime(setup: { () async throws -> RuntimeLoop.Handler<HTTPRequest, HTTPResponse> in
            throw MissingSetting()
        }) { peer in
            let request = try await peer.request { $0.path == "/2018-06-01/runtime/init/error" }
            #expect(request.method == .POST)
            #expect(request.headers.first(name: "Lambda-Runtime-Function-Error-Type") == "MissingSetting")
            let report = try Fixtures.object(request.body)
            #expect(report["errorType"] as? String == "MissingSetting")
            #expect(report["errorMessage"] as? String == "DATABASE_URL is not set")
        }
        guard case .initializationFailed(let report) = ending as? RuntimeError else {
            Issue.record("the loop ended with \(String(describing: ending)), not an init failure")
            return
        }
        #expect(report.errorType == "MissingSetting")
    }

    @Test("a function type whose init throws reports an init error")
    func throwingFunctionInit() async throws {
        try await withRuntime(setup: FunctionRuntime.setup(of: BrokenFunction.self)) { peer in
            let request = try await peer.request { $0.path.hasSuffix("/init/error") }
            #expect(try Fixtures.object(request.body)["errorType"] as? String == "MissingSetting")
            #expect(await peer.requests.allSatisfy { !$0.path.hasSuffix("/next") })
        }
    }

    @Test("the context carries the invocation's headers and the function's environment")
    func contextFromInvocation() async throws {
        try await withRuntime(setup: {
            { (event: [String: Int], context: Context) in
                Seen(
                    requestID: context.requestID,
                    deadlineEpochMilliseconds: context.deadlineEpochMilliseconds,
                    invokedFunctionARN: context.invokedFunctionARN,
                    traceID: context.traceID,
                    traceEnvironment: ProcessInfo.processInfo.environment["_X_AMZN_TRACE_ID"],
                    functionName: context.functionName,
                    memoryLimitMB: context.memoryLimitMB,
                    remainingSeconds: context.remainingTime.components.seconds,
                    event: event
                )
            }
        }) { peer in
            let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
            let response = try await peer.invoke(
                #"{"a":1,"b":2}"#, requestID: "ctx-1", headers: [("Lambda-Runtime-Trace-Id", trace)]
            )
            #expect(response.path.hasSuffix("/ctx-1/response"))
            let seen = try JSONDecoder().decode(Seen.self, from: Data(response.body.utf8))
            #expect(seen.requestID == "ctx-1")
            #expect(seen.deadlineEpochMilliseconds == 4_102_444_800_000)
            #expect(seen.invokedFunctionARN == "arn:aws:lambda:us-east-1:000000000000:function:test")
            #expect(seen.traceID == trace)
            #expect(seen.traceEnvironment == trace)
            #expect(seen.functionName == "in-process")
            #expect(seen.memoryLimitMB == 512)
            #expect(seen.remainingSeconds > 0)
            #expect(seen.event == ["a": 1, "b": 2])
        }
    }
}
