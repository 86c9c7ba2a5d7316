import Hummingbird

/// An error as the endpoint answers it: an HTTP status and a JSON object
/// with `message` and, for errors of the database, the fields of its
/// ErrorResponse (`code` is the SQLSTATE, then `detail`, `hint`,
/// `position`, ...). Like Neon's endpoint: 400 for everything the request
/// or its SQL caused (so the driver reads the fields), 413 for a request
/// over the size limit, 507 for a result over it, 500 when the pool cannot
/// be reached or drops the connection.
struct ErrorReply: Sendable {
    var status: HTTPResponse.Status
    var fields: [String: String]

    init(status: HTTPResponse.Status, message: String) {
        self.status = status
        fields = ["message": message]
    }

    init(_ error: ServerError) {
        status = .badRequest
        fields = error.fields
    }

    init(_ error: RequestError) {
        switch error {
        case .malformedJSON(let reason):
            self.init(status: .badRequest, message: "could not parse the HTTP request body: \(reason)")
        case .badBody(let reason):
            self.init(status: .badRequest, message: "could not parse the HTTP request body: \(reason)")
        case .missingConnectionString:
            self.init(status: .badRequest, message: "missing the Neon-Connection-String header (postgresql://user:password@host/database)")
        case .badConnectionString(let reason):
            self.init(status: .badRequest, message: "invalid connection string in Neon-Connection-String: \(reason)")
        case .badIsolationLevel(let level):
            self.init(status: .badRequest, message: "invalid isolation level \"\(level)\" (ReadUncommitted, ReadCommitted, RepeatableRead or Serializable)")
        case .tooLarge(let limit):
            self.init(status: .contentTooLarge, message: "request is too large (max is \(limit) bytes)")
        case .notFound(let path):
            self.init(status: .notFound, message: "no endpoint at \(path): send POST /sql")
        case .methodNotAllowed(let method):
            self.init(status: .methodNotAllowed, message: "\(method) /sql: send POST /sql")
        }
    }

    init(_ error: ExecutionError) {
        switch error {
        case .server(let error):
            self.init(error)
        case .responseTooLarge(let limit):
            self.init(status: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), message: "response is too large (max is \(limit) bytes)")
        case .wire(let error):
            self.init(status: .internalServerError, message: error.description)
        }
    }

    /// The JSON body.
    var body: ByteBuffer {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("message")
        writer.string(fields["message"] ?? "")
        for (_, name) in ServerError.names where name != "message" {
            guard let value = fields[name] else { continue }
            writer.key(name)
            writer.string(value)
        }
        writer.endObject()
        return ByteBuffer(bytes: writer.bytes)
    }
}
