import EmulatorConfig
import Foundation
import HTTPTypes
import Hummingbird

/// Turns what an invocation produced into the HTTP response the caller sees,
/// the way API Gateway's HTTP API does with payload format 2.0.
///
/// A failed invocation gets API Gateway's body, `{"message":"Internal server
/// error"}` (the project's contract spells it so; docs/api-gateway.md); its
/// cause is in the `X-Emulator-Failure` header and its error type in
/// `X-Emulator-Error-Type`, and the host's log has the message. A timeout's 504
/// is the emulator's own status (AWS has none for it), and its body says what
/// happened: `{"message":"Task timed out after N.NN seconds"}`. With
/// `apiGateway.errorDetailsInBody` the body is the error itself,
/// `{"errorType": …, "errorMessage": …}`.
struct FunctionResponse {
    /// runtime.json's `apiGateway` settings.
    let gateway: APIGatewaySettings

    /// The name of the response header that carries a failure's error type.
    static let errorTypeHeaderName = "X-Emulator-Error-Type"

    /// The response for a finished invocation.
    func make(for result: InvocationResult) -> Response {
        guard let error = InvocationError(result) else {
            guard case .response(let payload) = result.outcome else { return Self.json(.badGateway, [:]) }
            return Self.fromReply(result.reply ?? FunctionReply(payload))
        }
        return failure(FailureCause(result.outcome) ?? .functionError, .init(code: result.status), error)
    }

    /// The response for a request that failed with `error` (a failed invocation, or no instance).
    func failure(_ cause: FailureCause, _ status: HTTPResponse.Status, _ error: InvocationError) -> Response {
        var response = Self.json(status, gateway.errorDetailsInBody ? error.object : ["message": Self.message(status, error)])
        response.headers[Self.failureField] = cause.description
        response.headers[Self.errorTypeField] = error.type
        return response
    }

    /// The `message` of a failure's body without error details: API Gateway's
    /// words, or for a timeout (504) the timeout's, as Lambda words it.
    static func message(_ status: HTTPResponse.Status, _ error: InvocationError) -> String {
        guard status == .gatewayTimeout else { return "Internal server error" }
        // The error document's message is "RequestId: <id> Error: Task timed out after N.NN seconds".
        guard let start = error.message.range(of: "Error: ")?.upperBound else { return error.message }
        return String(error.message[start...])
    }

    /// A JSON error response naming its cause in `X-Emulator-Failure` (429).
    static func failure(_ cause: FailureCause, _ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        var response = json(status, object)
        response.headers[failureField] = cause.description
        return response
    }

    private static let failureField = HTTPField.Name(FailureCause.headerName)!
    private static let errorTypeField = HTTPField.Name(errorTypeHeaderName)!

    /// A JSON object response.
    static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: JSONBody.object(object)))
    }

    /// The response of a function's valid reply (see ``FunctionReply``).
    private static func fromReply(_ reply: FunctionReply) -> Response {
        switch reply {
        case .json(let payload):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: payload))
        case .invalid:
            return json(.badGateway, [:])  // answered by `failure` (an InvocationError)
        case .response(let status, let fields, let cookies, let body):
            var headers = HTTPFields()
            for (name, value) in fields {
                guard let field = HTTPField.Name(name) else { continue }
                headers.append(HTTPField(name: field, value: value))
            }
            for cookie in cookies {
                headers.append(HTTPField(name: .setCookie, value: cookie))
            }
            if headers[.contentType] == nil, body.readableBytes > 0 {
                headers[.contentType] = "text/plain; charset=utf-8"
            }
            return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: body))
        }
    }
}
