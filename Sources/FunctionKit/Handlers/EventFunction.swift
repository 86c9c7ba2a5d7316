/// A function as a type: `init` is its setup, run once per instance (a
/// throwing `init` is reported to the Runtime API as an init error), and
/// ``handle(_:context:)`` serves each invocation.
///
/// ```swift
/// @main
/// struct Orders: EventFunction {
///     let table: String
///     init() throws { table = try Settings.load().table }
///     func handle(_ event: OrderEvent, context: Context) async throws -> Receipt { ... }
/// }
/// ```
///
/// Mark the type `@main` (in a file not named `main.swift`), or call
/// `await FunctionRuntime.serve(Orders.self)` from `main.swift`.
public protocol EventFunction {
    /// The event, decoded from the invocation's JSON.
    associatedtype Event: Decodable
    /// The result, sent back as JSON.
    associatedtype Output: Encodable

    /// Sets the function up, once per instance, before the first invocation.
    init() async throws

    /// Serves one invocation.
    func handle(_ event: Event, context: Context) async throws -> Output
}

/// A function that serves API Gateway HTTP API (payload 2.0) requests.
///
/// ```swift
/// @main
/// struct Hello: HTTPFunction {
///     func handle(_ request: HTTPRequest, context: Context) async throws -> HTTPResponse {
///         HTTPResponse(statusCode: 200, body: "Hello!")
///     }
/// }
/// ```
public protocol HTTPFunction: EventFunction where Event == HTTPRequest, Output == HTTPResponse {}

extension EventFunction {
    /// Runs the function, so a conforming type can be the program's `@main` entry point.
    public static func main() async {
        await FunctionRuntime.serve(Self.self)
    }
}
