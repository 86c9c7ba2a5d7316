import NIOCore

/// Runs a request's SQL on a connection to the pool and writes its JSON
/// answer: one statement on its own, or a batch inside `BEGIN` ... `COMMIT`,
/// rolled back as a whole when any statement fails.
struct Executor: Sendable {
    let keeper: ConnectionKeeper
    /// Most bytes of JSON an answer may have.
    let maxResponseBytes: Int

    func run(_ request: SQLRequest, login: Login, options: RequestOptions) async throws(ExecutionError) -> [UInt8] {
        do {
            return try await keeper.withConnection(login) { connection in
                var writer = ResultWriter(options: options, limit: maxResponseBytes)
                switch request {
                case .single(let statement):
                    try await run(statement, on: connection, into: &writer)
                case .batch(let statements):
                    try await runBatch(statements, on: connection, into: &writer)
                }
                return writer.json.bytes
            }
        } catch let error as ExecutionError {
            throw error
        } catch let error as ServerError {
            throw .server(error)
        } catch let error as WireError {
            throw .wire(error)
        } catch {
            throw .wire(.protocolViolation("\(error)"))
        }
    }

    private func run(_ statement: Statement, on connection: WireConnection, into writer: inout ResultWriter) async throws {
        var request = connection.buffer()
        request.writeExtendedQuery(statement.query, parameters: statement.parameters)
        let reply = try await connection.send(request, until: .readyForQuery, rowBudget: maxResponseBytes)
        let result = try StatementResult(reply, limit: maxResponseBytes)
        try writer.write(result, arrayMode: statement.arrayMode ?? writer.options.arrayMode)
    }

    private func runBatch(_ statements: [Statement], on connection: WireConnection, into writer: inout ResultWriter) async throws {
        try await simpleQuery(writer.options.beginStatement, on: connection)
        do {
            writer.json.beginObject()
            writer.json.key("results")
            writer.json.beginArray()
            for statement in statements {
                writer.json.separator()
                try await run(statement, on: connection, into: &writer)
            }
            writer.json.endArray()
            writer.json.endObject()
        } catch {
            if connection.isOpen { try? await simpleQuery("ROLLBACK", on: connection) }
            throw error
        }
        try await simpleQuery("COMMIT", on: connection)
    }

    /// Runs a statement of the endpoint's own (BEGIN, COMMIT, ROLLBACK).
    private func simpleQuery(_ sql: String, on connection: WireConnection) async throws {
        var request = connection.buffer()
        request.writeQuery(sql)
        let reply = try await connection.send(request, until: .readyForQuery)
        if let error = reply.error { throw ExecutionError.server(error) }
        if reply.closed { throw ExecutionError.wire(.connectionLost) }
    }
}
