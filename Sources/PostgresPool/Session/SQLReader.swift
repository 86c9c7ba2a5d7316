/// Reads the leading words of a SQL text in place (no copy, no allocation for keywords),
/// skipping whitespace and comments. Enough to recognize what a statement does to the
/// session; it never parses a whole statement.
struct SQLReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Skips spaces, `-- line` and (nested) `/* block */` comments.
    private mutating func skipSpace() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0d) {
                index += 1
            } else if byte == UInt8(ascii: "-"), next(is: UInt8(ascii: "-")) {
                while index < bytes.count, bytes[index] != 0x0a { index += 1 }
            } else if byte == UInt8(ascii: "/"), next(is: UInt8(ascii: "*")) {
                var depth = 0
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "/"), next(is: UInt8(ascii: "*")) {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*"), next(is: UInt8(ascii: "/")) {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
            } else {
                return
            }
        }
    }

    private func next(is byte: UInt8) -> Bool {
        index + 1 < bytes.count && bytes[index + 1] == byte
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    /// Consumes the next word if it is `keyword` (lowercase ASCII), case-insensitively.
    mutating func take(_ keyword: StaticString) -> Bool {
        skipSpace()
        let count = keyword.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let matches = keyword.withUTF8Buffer { expected in
            for offset in 0..<count {
                let byte = bytes[index + offset]
                let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if lower != expected[offset] { return false }
            }
            return true
        }
        guard matches, index + count == bytes.count || !Self.isWordByte(bytes[index + count]) else { return false }
        index += count
        return true
    }

    /// Consumes the next word or quoted identifier and returns it as PostgreSQL names it
    /// (unquoted names lowercased, `"quoted"` ones exact); dotted names are read whole.
    mutating func identifier() -> String? {
        skipSpace()
        var name: [UInt8] = []
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\"") {
                        if next(is: UInt8(ascii: "\"")) {
                            name.append(UInt8(ascii: "\""))
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    name.append(bytes[index])
                    index += 1
                }
            } else if Self.isWordByte(bytes[index]) {
                while index < bytes.count, Self.isWordByte(bytes[index]) {
                    let byte = bytes[index]
                    name.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
                    index += 1
                }
            } else {
                break
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { break }
            name.append(UInt8(ascii: "."))
            index += 1
        }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }

    /// Consumes the next byte if it is `symbol` (after whitespace).
    mutating func take(symbol: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == symbol else { return false }
        index += 1
        return true
    }

    /// Whether nothing but whitespace, comments and semicolons is left.
    mutating func atEnd() -> Bool {
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else { return index >= bytes.count }
            index += 1
        }
    }

    /// Skips the next word, quoted identifier, or single symbol; false at the end.
    mutating func skipToken() -> Bool {
        skipSpace()
        guard index < bytes.count else { return false }
        if identifier() == nil { index += 1 }
        return true
    }

    /// Moves past the end of the current statement (the next `;` outside quotes, dollar
    /// quotes and comments); false if there is none.
    mutating func skipStatement() -> Bool {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: ";"):
                index += 1
                return true
            case UInt8(ascii: "'"):
                let escapes = index > 0 && bytes[index - 1] | 0x20 == UInt8(ascii: "e")
                skipQuoted(UInt8(ascii: "'"), escapes: escapes)
            case UInt8(ascii: "\""):
                skipQuoted(UInt8(ascii: "\""), escapes: false)
            case UInt8(ascii: "-"), UInt8(ascii: "/"):
                let start = index
                skipSpace()
                if index == start { index += 1 }
            case UInt8(ascii: "$"):
                skipDollarQuoted()
            default:
                index += 1
            }
        }
        return false
    }

    private mutating func skipQuoted(_ quote: UInt8, escapes: Bool) {
        index += 1
        while index < bytes.count {
            if escapes, bytes[index] == UInt8(ascii: "\\") {
                index += 2
            } else if bytes[index] == quote {
                index += 1
                guard index < bytes.count, bytes[index] == quote else { return }
                index += 1
            } else {
                index += 1
            }
        }
    }

    /// `$tag$ ... $tag$` (a `$1` parameter is no quote).
    private mutating func skipDollarQuoted() {
        var end = index + 1
        while end < bytes.count, Self.isWordByte(bytes[end]), bytes[end] != UInt8(ascii: "$") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "$"),
              index + 1 == end || !(bytes[index + 1] >= UInt8(ascii: "0") && bytes[index + 1] <= UInt8(ascii: "9"))
        else {
            index += 1
            return
        }
        let tag = UnsafeRawBufferPointer(rebasing: bytes[index...end])
        index = end + 1
        while index + tag.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "$"), UnsafeRawBufferPointer(rebasing: bytes[index..<(index + tag.count)]).elementsEqual(tag) {
                index += tag.count
                return
            }
            index += 1
        }
        index = bytes.count
    }

    /// Whether the rest of the text contains `needle` (lowercase ASCII), case-insensitively.
    func restContains(_ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { needle in
            guard let first = needle.first, bytes.count - index >= needle.count else { return false }
            var start = index
            let last = bytes.count - needle.count
            while start <= last {
                if bytes[start] | 0x20 == first {
                    var offset = 1
                    while offset < needle.count, bytes[start + offset] | 0x20 == needle[offset] | 0x20 { offset += 1 }
                    if offset == needle.count { return true }
                }
                start += 1
            }
            return false
        }
    }
}
