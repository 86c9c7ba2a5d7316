import EmulatorConfig
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// One invocation of one function in a fresh instance, without the HTTP
/// front door (`emulator invoke`, like `sam local invoke`): the instance is
/// started, given the event, and stopped again.
public struct SingleInvocation: Sendable {
    /// The function to invoke.
    public var function: FunctionDefinition
    /// Folder holding the built Swift function products.
    public var binDirectory: String
    /// The database URLs, nil without a database.
    public var database: DatabaseEndpoints?
    /// Which of them the instance gets.
    public var mode: DatabaseMode

    /// Creates an invocation; see the properties.
    public init(function: FunctionDefinition, binDirectory: String, database: DatabaseEndpoints?, mode: DatabaseMode) {
        self.function = function
        self.binDirectory = binDirectory
        self.database = database
        self.mode = mode
    }

    /// How the invocation ended.
    public struct Result: Sendable {
        /// Whether the function produced a response (rather than an error).
        public var succeeded: Bool
        /// The function's response payload, or the error document.
        public var payload: String
    }

    /// Runs the invocation with `event` as its payload; the START, END and
    /// REPORT lines and the instance's output go to `sink`.
    public func run(event: Data, sink: LogSink, logger: Logger) async -> Result {
        let routing = DatabaseRouting(endpoints: database, mode: mode)
        let manager = InstanceManager(
            functions: [function],
            limits: ConcurrencyLimits(accountConcurrency: 1, burst: BurstSettings()),
            launcher: InstanceLauncher(
                binDirectory: binDirectory, group: MultiThreadedEventLoopGroup.singleton, sink: sink, logger: logger,
                hostEnvironment: ProcessInfo.processInfo.environment, database: routing),
            database: routing, sink: sink, logger: logger)
        let answer = await manager.invoke(function: function.name, payload: ByteBuffer(bytes: event))
        await manager.shutdown()
        switch answer {
        case .finished(let result):
            switch result.outcome {
            case .response(let payload):
                return Result(succeeded: true, payload: String(buffer: payload))
            case .functionError(let payload, _), .initError(let payload, _):
                return Result(succeeded: false, payload: String(buffer: payload))
            case .timedOut, .crashed, .responseTooLarge, .outOfMemory:
                return Result(succeeded: false, payload: String(buffer: JSONBody.object(InvocationError(result)?.object ?? [:])))
            }
        case .throttled:
            return Result(succeeded: false, payload: String(buffer: JSONBody.object(["errorType": "Throttled", "errorMessage": "throttled"])))
        case .launchFailed(let reason):
            return Result(succeeded: false, payload: String(buffer: JSONBody.object(["errorType": "Runtime.StartError", "errorMessage": reason])))
        }
    }

    /// An API Gateway HTTP API (2.0) event for a request to the function:
    /// `method` and `path` default to its first route's, with each `{parameter}`
    /// filled in as `example`. `path` may carry a query string (`/users?page=2`);
    /// `headers` are `Name: value` lines. A body without a `Content-Type`
    /// header is sent as `application/json` when it is JSON, else as `text/plain`.
    public func sampleEvent(method: String? = nil, path: String? = nil, headers: [String] = [], body: String? = nil) throws -> Data {
        let route = function.routes.first
        let target = path ?? route.map { Self.examplePath(of: $0) } ?? "/\(function.name)"
        let requestPath = String(target.prefix { $0 != "?" })
        let requestMethod = (method ?? route?.method ?? "GET").uppercased()
        guard let httpMethod = HTTPRequest.Method(requestMethod) else {
            throw SingleInvocationError("\(requestMethod) is not an HTTP method")
        }
        guard requestPath.hasPrefix("/") else {
            throw SingleInvocationError("--path must start with /, got \"\(target)\"")
        }
        guard let match = RouteTable([function]).match(method: requestMethod, path: requestPath) else {
            let routes = function.routes.map(\.routeKey).joined(separator: ", ")
            throw SingleInvocationError("\(requestMethod) \(requestPath) matches none of \(function.name)'s routes (\(routes))")
        }
        var fields = HTTPFields()
        for line in headers {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let name = HTTPField.Name(parts[0].trimmingCharacters(in: .whitespaces)) else {
                throw SingleInvocationError("--header must be \"Name: value\", got \"\(line)\"")
            }
            fields.append(HTTPField(name: name, value: parts[1].trimmingCharacters(in: .whitespaces)))
        }
        if let body, !body.isEmpty, fields[.contentType] == nil {
            let isJSON = (try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])) != nil
            fields[.contentType] = isJSON ? "application/json" : "text/plain; charset=utf-8"
        }
        let request = Request(
            head: HTTPRequest(method: httpMethod, scheme: "http", authority: "127.0.0.1", path: target, headerFields: fields),
            body: RequestBody(buffer: ByteBuffer(string: body ?? "")))
        let event = APIGatewayEvent(request: request, match: match, body: ByteBuffer(string: body ?? ""), origin: APIGatewayEvent.Origin())
        let object = try JSONSerialization.jsonObject(with: Data(event.json.readableBytesView))
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    private static func examplePath(of route: Route) -> String {
        "/" + route.segments.map { segment -> String in
            switch segment {
            case .literal(let text): return text
            case .parameter, .greedy: return "example"
            }
        }.joined(separator: "/")
    }
}

/// A sample event that cannot be made as asked.
public struct SingleInvocationError: Error, CustomStringConvertible {
    /// What is wrong with the request asked for.
    public let description: String
    init(_ description: String) { self.description = description }
}
