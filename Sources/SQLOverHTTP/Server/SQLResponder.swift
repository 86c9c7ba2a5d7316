import Hummingbird
import NIOCore

/// Answers `POST /sql` the way Neon's SQL-over-HTTP endpoint does; every
/// other request gets a JSON 404 or 405.
struct SQLResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let executor: Executor
    let maxRequestBytes: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        do {
            return try await answer(request)
        } catch let error as RequestError {
            return Self.reply(ErrorReply(error))
        } catch let error as ExecutionError {
            return Self.reply(ErrorReply(error))
        }
    }

    private func answer(_ request: Request) async throws -> Response {
        guard request.uri.path == "/sql" else { throw RequestError.notFound(path: request.uri.path) }
        guard request.method == .post else { throw RequestError.methodNotAllowed(method: request.method.rawValue) }
        let options = try RequestOptions(headers: request.headers)
        guard let connectionString = request.headers[RequestOptions.connectionString] else {
            throw RequestError.missingConnectionString
        }
        let login = try ConnectionString.login(from: connectionString)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxRequestBytes)
        } catch is NIOTooManyBytesError {
            throw RequestError.tooLarge(limit: maxRequestBytes)
        }
        let sql = try RequestBodyParser.parse(Array(body.readableBytesView))
        let json = try await executor.run(sql, login: login, options: options)
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .batch = sql {
            if options.readOnly { headers[RequestOptions.readOnlyName] = "true" }
            if options.deferrable { headers[RequestOptions.deferrableName] = "true" }
            if let level = options.isolationLevel { headers[RequestOptions.isolationLevelName] = level.rawValue }
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    private static func reply(_ error: ErrorReply) -> Response {
        Response(status: error.status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: error.body))
    }
}
