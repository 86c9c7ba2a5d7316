import NIOCore
import NIOHTTP1

/// A complete HTTP response: status, headers and body.
struct HTTPReply: Sendable {
    /// The status code.
    let status: Int
    /// The response headers.
    let headers: HTTPHeaders
    /// The whole body.
    let body: ByteBuffer
}
