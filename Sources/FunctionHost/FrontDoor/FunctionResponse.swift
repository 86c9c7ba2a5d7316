import Foundation
import HTTPTypes
import Hummingbird

/// Turns what an invocation produced into the HTTP response the caller sees,
/// the way API Gateway's HTTP API does with payload format 2.0.
enum FunctionResponse {
    /// The response for a finished invocation; a failure's carries its cause
    /// in the `X-Emulator-Failure` header.
    static func make(for result: InvocationResult) -> Response {
        var response = body(for: result)
        if let cause = FailureCause(result.outcome) { response.headers[failureField] = cause.description }
        return response
    }

    /// A JSON error response for a request that failed before reaching a function.
    static func failure(_ cause: FailureCause, _ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        var response = json(status, object)
        response.headers[failureField] = cause.description
        return response
    }

    private static let failureField = HTTPField.Name(FailureCause.headerName)!

    private static func body(for result: InvocationResult) -> Response {
        switch result.outcome {
        case .response(let payload):
            return fromReply(result.reply ?? FunctionReply(payload))
        case .functionError(let payload, let errorType), .initError(let payload, let errorType):
            return functionError(payload, errorType: errorType)
        case .timedOut, .crashed, .responseTooLarge, .outOfMemory:
            return json(result.outcome.isTimeout ? .gatewayTimeout : .badGateway, hostError(for: result) ?? [:])
        }
    }

    /// The error document of an invocation the host ended (timeout, crash,
    /// oversized response), as Lambda words them; nil for the others.
    static func hostError(for result: InvocationResult) -> [String: String]? {
        switch result.outcome {
        case .response, .functionError, .initError:
            return nil
        case .timedOut(let seconds):
            return [
                "errorType": "Sandbox.Timedout",
                "errorMessage": "RequestId: \(result.requestId) Error: Task timed out after \(String(format: "%.2f", seconds)) seconds",
            ]
        case .crashed(let status):
            return [
                "errorType": "Runtime.ExitError",
                "errorMessage": "RequestId: \(result.requestId) Error: Runtime exited with error: \(status)",
            ]
        case .outOfMemory(let limitMB):
            return [
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": "RequestId: \(result.requestId) Error: Runtime exited with error: signal: killed (memory above \(limitMB) MB)",
            ]
        case .responseTooLarge:
            return [
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": "Response payload size exceeded maximum allowed payload size (\(maximumPayloadBytes) bytes).",
            ]
        }
    }

    /// A JSON object response.
    static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: JSONBody.object(object)))
    }

    /// The response of a function's reply (see ``FunctionReply``).
    private static func fromReply(_ reply: FunctionReply) -> Response {
        switch reply {
        case .json(let payload):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: payload))
        case .invalid(let message):
            return json(.badGateway, ["errorType": "Runtime.InvalidResponse", "errorMessage": message])
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

    /// 502 naming the function's `errorType` and `errorMessage`.
    private static func functionError(_ payload: ByteBuffer, errorType: String?) -> Response {
        let object = (try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView))) as? [String: Any] ?? [:]
        let message = object["errorMessage"] as? String ?? String(buffer: payload)
        let type = object["errorType"] as? String ?? errorType ?? "Function.Error"
        return json(.badGateway, ["errorType": type, "errorMessage": message])
    }
}
