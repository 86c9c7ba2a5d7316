/// A JSON value of a request body, decoded as it was written: numbers keep
/// their text (within what a 64-bit integer or a double holds).
indirect enum JSONInput: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONInput])
    case object([String: JSONInput])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number("\(value)")
        } else if let value = try? container.decode([JSONInput].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONInput].self))
        }
    }

    /// A short name of the kind of value, for messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value as a query parameter, the way Neon's proxy converts it:
    /// null is SQL NULL, strings are passed as they are, booleans, numbers
    /// and objects as their JSON text, arrays as a PostgreSQL array literal.
    var parameterText: String? {
        switch self {
        case .null: nil
        case .string(let text): text
        case .array: arrayLiteral
        default: jsonText
        }
    }

    /// The value as compact JSON text.
    var jsonText: String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.string
    }

    private func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let text): writer.raw(text)
        case .string(let text): writer.string(text)
        case .array(let elements):
            writer.beginArray()
            for element in elements {
                writer.separator()
                element.write(to: &writer)
            }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for key in members.keys.sorted() {
                writer.key(key)
                members[key]!.write(to: &writer)
            }
            writer.endObject()
        }
    }

    /// `{1,"two",NULL,{3,4}}`: strings and objects (as JSON text) double-quoted
    /// with `"` and `\` escaped, as PostgreSQL's array syntax wants them.
    private var arrayLiteral: String? {
        switch self {
        case .null: nil
        case .bool, .number: jsonText
        case .string(let text): Self.quotedElement(text)
        case .object: Self.quotedElement(jsonText)
        case .array(let elements): "{" + elements.map { $0.arrayLiteral ?? "NULL" }.joined(separator: ",") + "}"
        }
    }

    private static func quotedElement(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
