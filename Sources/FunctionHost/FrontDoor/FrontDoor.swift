import EmulatorConfig
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP front door: matches a request to a function's route, turns it into
/// an API Gateway 2.0 event, runs it on an instance, and maps the outcome to
/// the response API Gateway would give. `/_emulator/` is the admin surface.
struct FrontDoor: HTTPResponder {
    typealias Context = FrontDoorContext

    let manager: InstanceManager
    let admin: AdminEndpoints
    /// runtime.json's `apiGateway` settings.
    let gateway: APIGatewaySettings

    /// API Gateway's response header naming the request (`requestContext.requestId`).
    static let requestIdField = HTTPField.Name("apigw-requestid")!

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.uri.path == "/_emulator" || request.uri.path.hasPrefix("/_emulator/") {
            return await admin.respond(to: request, context: context)
        }
        let origin = APIGatewayEvent.Origin(
            sourceIP: context.remoteAddress?.ipAddress ?? "127.0.0.1", port: context.localPort,
            stageVariables: gateway.stageVariables)
        var response = await answer(request, context: context, origin: origin)
        response.headers[Self.requestIdField] = origin.requestId
        return response
    }

    private func answer(_ request: Request, context: Context, origin: APIGatewayEvent.Origin) async -> Response {
        guard let match = manager.functions.match(method: request.method.rawValue, path: request.uri.path) else {
            return FunctionResponse.json(.notFound, ["message": "Not Found"])
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumPayloadBytes)
        } catch {
            return FunctionResponse.json(.contentTooLarge, ["message": "Request Entity Too Large"])
        }
        let event = APIGatewayEvent(request: request, match: match, body: body, origin: origin)
        let responses = FunctionResponse(gateway: gateway)
        switch await manager.invoke(function: match.function, payload: event.json) {
        case .finished(let result):
            return responses.make(for: result)
        case .throttled:
            return FunctionResponse.failure(.throttled, .tooManyRequests, ["message": "Too Many Requests"])
        case .launchFailed(let reason):
            return responses.failure(.startFailed, .badGateway, InvocationError(type: "Runtime.StartError", message: reason))
        }
    }
}
