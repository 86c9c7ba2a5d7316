/// PostgreSQL's text form of an array (`{1,2,NULL}`, `{{"a b",c},{d,e}}`,
/// `[0:1]={x,y}`), taken apart into its elements.
package indirect enum ArrayLiteral: Sendable, Equatable {
    /// A NULL element.
    case null
    /// An element's text (unquoted and unescaped).
    case element(String)
    /// A (sub-)array.
    case array([ArrayLiteral])

    /// Parses `text`; nil when it is not an array literal. Bounds decoration
    /// (`[1:2]=`) is skipped; `delimiter` is `,` for every built-in type but `box`.
    package static func parse(_ text: String, delimiter: Character = ",") -> ArrayLiteral? {
        var rest = Substring(text)
        if rest.first == "[" {
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            rest = rest[rest.index(after: equals)...]
        }
        rest = rest.drop(while: \.isWhitespace)
        guard let array = parseArray(&rest, delimiter: delimiter), rest.allSatisfy(\.isWhitespace) else { return nil }
        return array
    }

    private static func parseArray(_ rest: inout Substring, delimiter: Character) -> ArrayLiteral? {
        guard rest.first == "{" else { return nil }
        rest = rest.dropFirst().drop(while: \.isWhitespace)
        var elements: [ArrayLiteral] = []
        if rest.first == "}" {
            rest = rest.dropFirst()
            return .array([])
        }
        while true {
            rest = rest.drop(while: \.isWhitespace)
            if rest.first == "{" {
                guard let nested = parseArray(&rest, delimiter: delimiter) else { return nil }
                elements.append(nested)
            } else if rest.first == "\"" {
                guard let quoted = parseQuoted(&rest) else { return nil }
                elements.append(.element(quoted))
            } else {
                guard let end = rest.firstIndex(where: { $0 == delimiter || $0 == "}" }) else { return nil }
                let item = rest[..<end].trimmingTrailingWhitespace()
                rest = rest[end...]
                elements.append(item == "NULL" ? .null : .element(String(item)))
            }
            rest = rest.drop(while: \.isWhitespace)
            guard let next = rest.first else { return nil }
            rest = rest.dropFirst()
            if next == "}" { return .array(elements) }
            guard next == delimiter else { return nil }
        }
    }

    private static func parseQuoted(_ rest: inout Substring) -> String? {
        rest = rest.dropFirst()
        var text = ""
        while let character = rest.first {
            rest = rest.dropFirst()
            switch character {
            case "\"": return text
            case "\\":
                guard let escaped = rest.first else { return nil }
                rest = rest.dropFirst()
                text.append(escaped)
            default: text.append(character)
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
