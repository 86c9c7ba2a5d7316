import NIOCore
import NIOHTTP1

/// One HTTP/1.1 request with its whole body.
struct HTTPExchangeRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var headers: [(name: String, value: String)] = []
    var body: ByteBuffer?
}

/// One HTTP/1.1 response with its whole body.
struct HTTPExchangeResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
    /// Whether the server keeps the connection open for the next request.
    var keepAlive: Bool
}

/// Why an exchange with the Runtime API failed below the HTTP level.
enum HTTPExchangeError: Error, CustomStringConvertible {
    /// The server closed the connection before its response was complete.
    case connectionClosed
    /// A request was written while another one was still waiting for its response.
    case exchangeInProgress

    var description: String {
        switch self {
        case .connectionClosed: "the Runtime API closed the connection"
        case .exchangeInProgress: "a Runtime API request was sent while another was in flight"
        }
    }
}
