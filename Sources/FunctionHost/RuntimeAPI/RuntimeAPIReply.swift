import NIOCore
import NIOHTTP1

/// What the Runtime API answers an instance, with Lambda's status codes and
/// error bodies (`{"errorType": ..., "errorMessage": ...}`).
enum RuntimeAPIReply: Sendable {
    /// 200 with the next event and its `Lambda-Runtime-*` headers.
    case event(ByteBuffer, headers: [(String, String)])
    /// 202: a response or error was taken.
    case accepted
    /// 400, e.g. an unknown request id or a second answer.
    case badRequest(String, String)
    /// 403: a call out of order.
    case forbidden(String, String)
    /// 404: not a Runtime API path.
    case notFound(String)
    /// 413: the response is over the payload limit.
    case payloadTooLarge
    /// 500: the instance is being torn down; the runtime must exit.
    case gone

    var status: HTTPResponseStatus {
        switch self {
        case .event: return .ok
        case .accepted: return .accepted
        case .badRequest: return .badRequest
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .payloadTooLarge: return .payloadTooLarge
        case .gone: return .internalServerError
        }
    }

    func body(allocator: ByteBufferAllocator) -> ByteBuffer {
        switch self {
        case .event(let payload, _): return payload
        case .accepted: return allocator.buffer(string: #"{"status":"OK"}"#)
        case .badRequest(let type, let message), .forbidden(let type, let message):
            return Self.error(type, message)
        case .notFound(let path):
            return Self.error("NotFound", "no Runtime API endpoint at \(path)")
        case .payloadTooLarge:
            return Self.error(
                "RequestEntityTooLarge",
                "response payload exceeds the maximum of \(maximumPayloadBytes) bytes")
        case .gone:
            return Self.error("Runtime.ExitError", "the instance is shutting down")
        }
    }

    private static func error(_ type: String, _ message: String) -> ByteBuffer {
        JSONBody.object(["errorType": type, "errorMessage": message])
    }
}
