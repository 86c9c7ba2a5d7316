/// Runs a function: connects to the Lambda Runtime API named by
/// `AWS_LAMBDA_RUNTIME_API`, and serves one invocation after another with
/// your handler, for as long as the process lives.
///
/// ```swift
/// import FunctionKit
///
/// await FunctionRuntime.serve { (request: HTTPRequest, context: Context) in
///     HTTPResponse(statusCode: 200, body: "Hello from \(context.functionName)!")
/// }
/// ```
///
/// An error thrown by the handler is reported for that invocation through
/// `/invocation/{id}/error` (`errorType` is the error's type name,
/// `errorMessage` its description) and the next invocation is served. When
/// `AWS_LAMBDA_RUNTIME_API` is missing, a function's setup fails (reported
/// through `/init/error`) or the Runtime API goes away, the process writes the
/// reason to standard error and exits with status 1.
public enum FunctionRuntime {
    /// Serves API Gateway HTTP API (payload 2.0) requests with `handler`.
    public static func serve(
        _ handler: @escaping @Sendable (HTTPRequest, Context) async throws -> HTTPResponse
    ) async -> Never {
        await run { handler }
    }

    /// Serves events of any JSON shape: each event is decoded as `Event`, and
    /// the handler's `Output` is sent back as JSON.
    public static func serve<Event: Decodable, Output: Encodable>(
        _ handler: @escaping @Sendable (Event, Context) async throws -> Output
    ) async -> Never {
        await run { handler }
    }

    /// Creates one `Function` (its `init` is the function's setup; a throw is
    /// reported as an init error) and serves every invocation with it.
    public static func serve<Function: EventFunction>(_ function: Function.Type) async -> Never {
        await run(setup: setup(of: function))
    }

    /// The setup of a function type: create it, then serve with its `handle`.
    static func setup<Function: EventFunction>(
        of function: Function.Type
    ) -> () async throws -> RuntimeLoop.Handler<Function.Event, Function.Output> {
        {
            let function = try await Function()
            return { event, context in try await function.handle(event, context: context) }
        }
    }

    private static func run<Event: Decodable, Output: Encodable>(
        setup: () async throws -> RuntimeLoop.Handler<Event, Output>
    ) async -> Never {
        Platform.lineBufferStandardOutput()
        do {
            guard let value = Platform.environment("AWS_LAMBDA_RUNTIME_API") else {
                throw RuntimeError.missingEndpoint
            }
            guard let endpoint = Endpoint(value) else {
                throw RuntimeError.invalidEndpoint(value)
            }
            try await withTaskExecutorPreference(FunctionEventLoop.executor) { () async throws -> Void in
                try await RuntimeLoop.run(
                    endpoint: endpoint,
                    group: FunctionEventLoop.group,
                    environment: .fromProcess(),
                    setup: setup
                )
            }
        } catch {
            Platform.writeToStandardError("FunctionKit: \(error)\n")
        }
        Platform.exit(1)
    }
}
