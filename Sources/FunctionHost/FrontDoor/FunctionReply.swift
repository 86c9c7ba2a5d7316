import Foundation
import NIOCore

/// A function's response payload read the way API Gateway's HTTP API reads
/// payload format 2.0: once per invocation, for the caller's response and the
/// dashboard's record alike.
enum FunctionReply: Sendable {
    /// A response object (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`).
    case response(status: Int, headers: [(name: String, value: String)], cookies: [String], body: ByteBuffer)
    /// Any other JSON value: answered with 200, `application/json` and the
    /// function's output as the body; for a JSON string, the string itself
    /// (API Gateway's own example: output `"Hello from Lambda!"`, body
    /// `Hello from Lambda!`; docs/api-gateway.md).
    case json(ByteBuffer)
    /// Not JSON, or a status outside 200–599: answered with 502 `Runtime.InvalidResponse`.
    case invalid(String)

    /// Reads `payload`.
    init(_ payload: ByteBuffer) {
        guard let value = try? JSONSerialization.jsonObject(with: Data(payload.readableBytesView), options: [.fragmentsAllowed]) else {
            self = .invalid("the function's response is not JSON")
            return
        }
        guard let object = value as? [String: Any], let status = object["statusCode"] as? Int else {
            self = .json((value as? String).map { ByteBuffer(string: $0) } ?? payload)
            return
        }
        guard (200...599).contains(status) else {
            self = .invalid("the function returned statusCode \(status); a response needs a final status from 200 to 599")
            return
        }
        let headers = (object["headers"] as? [String: Any] ?? [:]).map { (name: $0.key, value: "\($0.value)") }
        var body = ByteBuffer()
        if let text = object["body"] as? String {
            if object["isBase64Encoded"] as? Bool == true, let decoded = Data(base64Encoded: text) {
                body = ByteBuffer(bytes: decoded)
            } else {
                body = ByteBuffer(string: text)
            }
        }
        self = .response(status: status, headers: headers, cookies: object["cookies"] as? [String] ?? [], body: body)
    }

    /// The HTTP status the caller gets.
    var status: Int {
        switch self {
        case .response(let status, _, _, _): return status
        case .json: return 200
        case .invalid: return 502
        }
    }
}
