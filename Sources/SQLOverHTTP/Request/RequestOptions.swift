import HTTPTypes

/// What a request's `Neon-*` headers ask for.
struct RequestOptions: Sendable, Equatable {
    /// `Neon-Raw-Text-Output: true`: every value as PostgreSQL's text, not converted to JSON types.
    var rawTextOutput = false
    /// `Neon-Array-Mode: true`: rows as arrays instead of objects (a query's `arrayMode` overrides it).
    var arrayMode = false
    /// `Neon-Batch-Isolation-Level` for a batch's transaction.
    var isolationLevel: IsolationLevel?
    /// `Neon-Batch-Read-Only: true`.
    var readOnly = false
    /// `Neon-Batch-Deferrable: true`.
    var deferrable = false

    /// The isolation levels the header names.
    enum IsolationLevel: String, Sendable, Equatable {
        case readUncommitted = "ReadUncommitted"
        case readCommitted = "ReadCommitted"
        case repeatableRead = "RepeatableRead"
        case serializable = "Serializable"

        /// As SQL writes it.
        var sql: String {
            switch self {
            case .readUncommitted: "READ UNCOMMITTED"
            case .readCommitted: "READ COMMITTED"
            case .repeatableRead: "REPEATABLE READ"
            case .serializable: "SERIALIZABLE"
            }
        }
    }

    static let connectionString = HTTPField.Name("Neon-Connection-String")!
    static let rawTextOutputName = HTTPField.Name("Neon-Raw-Text-Output")!
    static let arrayModeName = HTTPField.Name("Neon-Array-Mode")!
    static let isolationLevelName = HTTPField.Name("Neon-Batch-Isolation-Level")!
    static let readOnlyName = HTTPField.Name("Neon-Batch-Read-Only")!
    static let deferrableName = HTTPField.Name("Neon-Batch-Deferrable")!

    /// Reads the headers; as in Neon's proxy, a flag is on only when it is exactly `true`.
    /// - Throws: ``RequestError/badIsolationLevel(_:)`` for an unknown isolation level.
    init(headers: HTTPFields) throws(RequestError) {
        rawTextOutput = headers[Self.rawTextOutputName] == "true"
        arrayMode = headers[Self.arrayModeName] == "true"
        readOnly = headers[Self.readOnlyName] == "true"
        deferrable = headers[Self.deferrableName] == "true"
        if let level = headers[Self.isolationLevelName] {
            guard let parsed = IsolationLevel(rawValue: level) else { throw .badIsolationLevel(level) }
            isolationLevel = parsed
        }
    }

    init() {}

    /// The `BEGIN` statement of a batch with these options.
    var beginStatement: String {
        var sql = "BEGIN"
        if let isolationLevel { sql += " ISOLATION LEVEL " + isolationLevel.sql }
        if readOnly { sql += " READ ONLY" }
        if deferrable { sql += " DEFERRABLE" }
        return sql
    }
}
