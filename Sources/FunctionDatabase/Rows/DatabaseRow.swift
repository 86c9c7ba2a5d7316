import PostgresNIO

/// One row of a result, the same whichever way it came (a PostgreSQL
/// connection or SQL over HTTP): its cells, decoded with postgres-nio's
/// `PostgresDecodable` types.
///
/// ```swift
/// let (id, name) = try row.decode((Int, String).self)
/// let email = try row["email"]?.decode(String.self)
/// ```
public struct DatabaseRow: Sendable, RandomAccessCollection {
    /// The cells, in column order.
    public let cells: [PostgresCell]

    /// A row of `cells`.
    public init(cells: [PostgresCell]) {
        self.cells = cells
    }

    init(_ row: PostgresRow) {
        cells = Array(row)
    }

    public var startIndex: Int { cells.startIndex }
    public var endIndex: Int { cells.endIndex }
    public subscript(position: Int) -> PostgresCell { cells[position] }

    /// The cell of the column named `column` (the first, if several have that name).
    public subscript(column: String) -> PostgresCell? {
        cells.first { $0.columnName == column }
    }

    /// The first column as `Column`.
    public func decode<Column: PostgresDecodable>(_: Column.Type, file: String = #fileID, line: Int = #line) throws -> Column {
        guard let first = cells.first else { throw DatabaseError.client(reason: "decoding a row without columns") }
        return try first.decode(Column.self, context: .default, file: file, line: line)
    }

    /// The first columns as a tuple: `try row.decode((Int, String).self)`.
    ///
    /// - Throws: `PostgresDecodingError` when a cell does not decode as its
    ///   type, ``DatabaseError`` when the row has fewer columns than the tuple.
    public func decode<each Column: PostgresDecodable>(
        _: (repeat each Column).Type, file: String = #fileID, line: Int = #line
    ) throws -> (repeat each Column) {
        var index = 0
        func next<Value: PostgresDecodable>(_: Value.Type) throws -> Value {
            defer { index += 1 }
            guard index < cells.count else {
                throw DatabaseError.client(reason: "decoding column \(index + 1) of a row with \(cells.count) columns")
            }
            return try cells[index].decode(Value.self, context: .default, file: file, line: line)
        }
        return (repeat try next((each Column).self))
    }
}
