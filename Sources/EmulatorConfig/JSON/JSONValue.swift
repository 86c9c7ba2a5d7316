/// A parsed JSON value that remembers where it was written, so configuration
/// errors can point at a line and column.
struct JSONValue: Sendable {
    /// The kinds of JSON value, with integers kept apart from other numbers.
    enum Kind: Sendable {
        case object([Member])
        case array([JSONValue])
        case string(String)
        /// A number; `text` is exactly as written (used in messages).
        case number(Double, text: String)
        case bool(Bool)
        case null
    }

    /// One `"key": value` pair of an object, in the order written.
    struct Member: Sendable {
        var key: String
        var keyLocation: TextPosition
        var value: JSONValue
    }

    var kind: Kind
    var location: TextPosition

    /// A short rendering of the value for error messages: strings quoted,
    /// numbers as written, containers summarised.
    var summary: String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "\"" + shown + "\""
        case .number(_, let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// A 1-based line and column in a source text.
public struct TextPosition: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters of the line.
    public var column: Int

    /// Creates a location from a 1-based line and column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}
