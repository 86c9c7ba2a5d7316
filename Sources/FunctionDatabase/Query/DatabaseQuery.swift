import NIOCore
import PostgresNIO

/// A statement with its parameters, written as a string with interpolated
/// values, which are sent as bind parameters, never spliced into the SQL:
///
/// ```swift
/// try await Database.shared.query("SELECT name FROM users WHERE id = \(id)")
/// ```
///
/// Any value postgres-nio can encode can be interpolated. Over SQL over HTTP
/// parameters travel as PostgreSQL text: integers, floats, `Bool`, `String`,
/// `UUID`, `Date`, `Decimal`, bytes (`[UInt8]`, `Data`, `ByteBuffer`),
/// JSON (`Codable` values as `jsonb`) and arrays of these are converted.
public struct DatabaseQuery: Sendable, ExpressibleByStringInterpolation {
    /// The SQL, with `$1`, `$2`, ... where values were interpolated.
    public private(set) var sql: String
    /// The values as postgres-nio encodes them, for a PostgreSQL connection.
    private(set) var bindings: PostgresBindings
    /// The same values encoded one by one, for SQL over HTTP.
    private(set) var parameters: [EncodedParameter]

    /// A statement without parameters, or with `$n` placeholders and no values.
    public init(unsafeSQL sql: String) {
        self.sql = sql
        bindings = PostgresBindings()
        parameters = []
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        bindings = stringInterpolation.bindings
        parameters = stringInterpolation.parameters
    }

    /// The statement as postgres-nio runs it.
    var postgresQuery: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }

    /// Builds a ``DatabaseQuery`` from a string literal with interpolations.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var bindings = PostgresBindings()
        var parameters: [EncodedParameter] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Interpolates `value` as a bind parameter.
        public mutating func appendInterpolation<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value) throws {
            try bindings.append(value)
            parameters.append(try EncodedParameter(value))
            sql += "$\(bindings.count)"
        }

        /// Interpolates `value` as a bind parameter, `nil` as NULL.
        public mutating func appendInterpolation<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value?) throws {
            guard let value else {
                bindings.appendNull()
                parameters.append(EncodedParameter(bytes: nil, type: .null, format: .binary))
                sql += "$\(bindings.count)"
                return
            }
            try appendInterpolation(value)
        }

        /// Interpolates `value`, whose encoding cannot fail, as a bind parameter.
        public mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value) {
            bindings.append(value)
            parameters.append(EncodedParameter(encoding: value))
            sql += "$\(bindings.count)"
        }

        /// Interpolates `value`, whose encoding cannot fail, as a bind parameter; `nil` as NULL.
        public mutating func appendInterpolation<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
            guard let value else {
                bindings.appendNull()
                parameters.append(EncodedParameter(bytes: nil, type: .null, format: .binary))
                sql += "$\(bindings.count)"
                return
            }
            appendInterpolation(value)
        }

        /// Splices `text` into the SQL as it is (for identifiers the code controls, never user input).
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }
}

/// One parameter as postgres-nio encodes it: its bytes, type and format.
struct EncodedParameter: Sendable {
    var bytes: ByteBuffer?
    var type: PostgresDataType
    var format: PostgresFormat

    init(bytes: ByteBuffer?, type: PostgresDataType, format: PostgresFormat) {
        self.bytes = bytes
        self.type = type
        self.format = format
    }

    init<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value) throws {
        var buffer = ByteBuffer()
        try value.encode(into: &buffer, context: .default)
        self.init(bytes: buffer, type: value.psqlType, format: value.psqlFormat)
    }

    init<Value: PostgresDynamicTypeEncodable>(encoding value: Value) {
        var buffer = ByteBuffer()
        value.encode(into: &buffer, context: .default)
        self.init(bytes: buffer, type: value.psqlType, format: value.psqlFormat)
    }
}
