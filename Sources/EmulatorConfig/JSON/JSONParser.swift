/// A strict JSON parser (RFC 8259) that records the location of every value
/// and rejects duplicate keys. Written for configuration files: it reports
/// the first problem with its line and column instead of recovering.
struct JSONParser {
    /// A syntax error at a position of the input.
    struct SyntaxError: Error {
        var message: String
        var location: TextPosition
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    /// Nesting deeper than this is refused rather than risking the stack.
    private static let maximumDepth = 512

    /// Parses one JSON document; only whitespace may follow it.
    static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < parser.bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: - Values

    private mutating func parseValue() throws(SyntaxError) -> JSONValue {
        let location = currentLocation
        guard index < bytes.count else { throw error("unexpected end of file, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return JSONValue(kind: try parseObject(), location: location)
        case UInt8(ascii: "["): return JSONValue(kind: try parseArray(), location: location)
        case UInt8(ascii: "\""): return JSONValue(kind: .string(try parseString()), location: location)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(kind: try parseNumber(), location: location)
        case UInt8(ascii: "t"):
            try expectWord("true")
            return JSONValue(kind: .bool(true), location: location)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return JSONValue(kind: .bool(false), location: location)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return JSONValue(kind: .null, location: location)
        default:
            throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONValue.Kind {
        try enterContainer()
        index += 1  // {
        var members: [JSONValue.Member] = []
        var seen: [String: TextPosition] = [:]
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyLocation = currentLocation
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a key in double quotes")
            }
            let key = try parseString()
            if let first = seen[key] {
                throw SyntaxError(message: "duplicate key \"\(key)\" (first written at \(first))", location: keyLocation)
            }
            seen[key] = keyLocation
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else {
                throw error("unexpected \(describeCurrent()), expected ':' after key \"\(key)\"")
            }
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONValue.Member(key: key, keyLocation: keyLocation, value: value))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) { break }
            throw error("unexpected \(describeCurrent()), expected ',' or '}' in an object")
        }
        depth -= 1
        return .object(members)
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONValue.Kind {
        try enterContainer()
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { break }
            throw error("unexpected \(describeCurrent()), expected ',' or ']' in an array")
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func enterContainer() throws(SyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws(SyntaxError) -> String {
        let start = currentLocation
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var chunkStart = index
        func flush(_ end: Int, into scalars: inout String.UnicodeScalarView, bytes: [UInt8]) {
            if end > chunkStart {
                scalars.append(contentsOf: String(decoding: bytes[chunkStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard index < bytes.count else {
                throw SyntaxError(message: "unterminated string (it starts here)", location: start)
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                flush(index, into: &scalars, bytes: bytes)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(index, into: &scalars, bytes: bytes)
                scalars.append(try parseEscape())
                chunkStart = index
            case 0x00..<0x20:
                throw error(byte == UInt8(ascii: "\n")
                    ? "line break inside a string (write \\n, or close the string)"
                    : "control character inside a string (escape it)")
            default:
                index += 1
            }
        }
    }

    private mutating func parseEscape() throws(SyntaxError) -> Unicode.Scalar {
        index += 1  // backslash
        guard index < bytes.count else { throw error("unexpected end of file in an escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800..<0xDC00).contains(high) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u\(String(high, radix: 16)) in a string")
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low),
                      let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                    throw error("invalid surrogate pair in a string")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else {
                throw error("lone low surrogate \\u\(String(high, radix: 16)) in a string")
            }
            return scalar
        default:
            index -= 2
            let shown = byte < 0x80 && byte >= 0x20 ? String(Character(Unicode.Scalar(byte))) : "(0x\(String(byte, radix: 16)))"
            throw error("invalid escape \\\(shown) in a string; valid escapes: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexValue(bytes[index]) else {
                throw error("expected four hex digits after \\u")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: - Numbers and words

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue.Kind {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            if index < bytes.count, isDigit(bytes[index]) {
                throw error("leading zeros are not allowed in a number")
            }
        } else {
            guard try consumeDigits() else { throw error("expected a digit in a number") }
        }
        if consume(UInt8(ascii: ".")) {
            guard try consumeDigits() else { throw error("expected a digit after the decimal point") }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
            guard try consumeDigits() else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text) is out of range")
        }
        return .number(value, text: text)
    }

    private mutating func consumeDigits() throws(SyntaxError) -> Bool {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > start
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func expectWord(_ word: String) throws(SyntaxError) {
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw error("unexpected \(describeCurrent()), expected '\(word)'")
            }
            index += 1
        }
        if index < bytes.count, isWordByte(bytes[index]) {
            throw error("unexpected \(describeCurrent()) after '\(word)'")
        }
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }

    // MARK: - Position bookkeeping

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// The location of `index`; the column counts characters, not bytes.
    private var currentLocation: TextPosition {
        let column = String(decoding: bytes[lineStart..<min(index, bytes.count)], as: UTF8.self).count + 1
        return TextPosition(line: line, column: column)
    }

    private func error(_ message: String) -> SyntaxError {
        SyntaxError(message: message, location: currentLocation)
    }

    /// The character at `index`, quoted, or "end of file".
    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if byte < 0x20 { return "control character 0x\(String(byte, radix: 16))" }
        if byte < 0x80 { return "'\(Character(Unicode.Scalar(byte)))'" }
        var end = index + 1
        while end < bytes.count, end < index + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
    }
}
