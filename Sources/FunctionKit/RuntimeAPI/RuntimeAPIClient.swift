import NIOCore
import NIOHTTP1

/// The calls of the AWS Lambda Runtime API (`2018-06-01`) a runtime makes,
/// over one keep-alive connection.
final class RuntimeAPIClient {
    private static let base = "/2018-06-01/runtime"
    private let http: KeepAliveHTTPClient

    init(http: KeepAliveHTTPClient) {
        self.http = http
    }

    /// `GET /invocation/next`: waits, without a time limit, for the next event.
    func nextInvocation() async throws -> Invocation {
        let path = "\(Self.base)/invocation/next"
        let response = try await http.send(HTTPExchangeRequest(method: .GET, path: path))
        guard response.status == .ok else {
            throw RuntimeError.unexpectedStatus(path: path, status: response.status, body: String(buffer: response.body))
        }
        return try Invocation(response)
    }

    /// `POST /invocation/{id}/response` with the handler's result as JSON.
    func sendResponse(requestID: String, json: [UInt8]) async throws {
        try await post("\(Self.base)/invocation/\(requestID)/response", json: json, headers: [])
    }

    /// `POST /invocation/{id}/error`: the handler failed for this event.
    func sendError(requestID: String, report: ErrorReport) async throws {
        try await post(
            "\(Self.base)/invocation/\(requestID)/error",
            json: try JSONCoding.encode(report),
            headers: [("Lambda-Runtime-Function-Error-Type", report.errorType)]
        )
    }

    /// `POST /init/error`: the function could not be set up.
    func sendInitError(report: ErrorReport) async throws {
        try await post(
            "\(Self.base)/init/error",
            json: try JSONCoding.encode(report),
            headers: [("Lambda-Runtime-Function-Error-Type", report.errorType)]
        )
    }

    /// Closes the connection.
    func close() async {
        await http.close()
    }

    /// Posts `json`. A 4xx answer (an oversized or late response, an unknown
    /// id) concerns only this invocation and is logged; a 5xx answer means the
    /// runtime must stop, as the Runtime API documents.
    private func post(_ path: String, json: [UInt8], headers: [(name: String, value: String)]) async throws {
        let request = HTTPExchangeRequest(
            method: .POST,
            path: path,
            headers: [("Content-Type", "application/json")] + headers,
            body: ByteBuffer(bytes: json)
        )
        let response = try await http.send(request)
        switch response.status.code {
        case 200..<300:
            return
        case 400..<500:
            Logger(requestID: nil, minimumLevel: .warning).warning(
                RuntimeError.unexpectedStatus(path: path, status: response.status, body: String(buffer: response.body)).description
            )
        default:
            throw RuntimeError.unexpectedStatus(path: path, status: response.status, body: String(buffer: response.body))
        }
    }
}
