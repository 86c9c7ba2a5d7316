import NIOCore

/// The runtime's life: set the function up, then forever take the next event,
/// hand it to the handler and post the result or the error.
enum RuntimeLoop {
    /// A function's handler: one event and its context in, one result out.
    typealias Handler<Event, Output> = (Event, Context) async throws -> Output

    /// Runs the function against the Runtime API at `endpoint`; it ends only
    /// by throwing, when the Runtime API fails or goes away (or the task is
    /// cancelled).
    ///
    /// - Throws: ``RuntimeError/initializationFailed(_:)`` after reporting a
    ///   failed `setup` to `/init/error`; Runtime API and connection errors.
    static func run<Event: Decodable, Output: Encodable>(
        endpoint: Endpoint,
        group: any EventLoopGroup,
        environment: FunctionEnvironment,
        setup: () async throws -> Handler<Event, Output>
    ) async throws -> Never {
        let api = RuntimeAPIClient(http: KeepAliveHTTPClient(endpoint: endpoint, group: group))
        do {
            try await serve(api: api, environment: environment, setup: setup)
        } catch {
            await api.close()
            throw error
        }
    }

    private static func serve<Event: Decodable, Output: Encodable>(
        api: RuntimeAPIClient,
        environment: FunctionEnvironment,
        setup: () async throws -> Handler<Event, Output>
    ) async throws -> Never {
        let handler: Handler<Event, Output>
        do {
            handler = try await setup()
        } catch {
            let report = ErrorReport(error)
            try await api.sendInitError(report: report)
            throw RuntimeError.initializationFailed(report)
        }

        while true {
            let invocation = try await api.nextInvocation()
            Platform.setEnvironment("_X_AMZN_TRACE_ID", to: invocation.traceID)
            let context = Context(invocation: invocation, environment: environment)
            let result: Result<[UInt8], any Error>
            do {
                let event = try JSONCoding.decode(Event.self, from: invocation.event)
                let output = try await handler(event, context)
                result = .success(try JSONCoding.encode(output))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let json):
                try await api.sendResponse(requestID: invocation.requestID, json: json)
            case .failure(let error):
                try await api.sendError(requestID: invocation.requestID, report: ErrorReport(error))
            }
        }
    }
}
