import Foundation

extension RuntimeConfig {
    /// runtime.json `text` with `"name": entry` added as the first member of
    /// `"functions"` (created when missing). Everything else, comments of
    /// layout included, stays as written. The result is checked as the file
    /// `configFile` would be.
    ///
    /// - Parameter entry: the entry's JSON text, e.g. `{ "routes": ["GET /report"] }`.
    /// - Throws: ``ConfigError`` when `text` is not a valid runtime.json, or
    ///   already has an entry for `name`.
    public static func addingFunction(
        named name: String, entry: String, to text: String, configFile: String
    ) throws(ConfigError) -> String {
        let file = URL(fileURLWithPath: configFile).lastPathComponent
        let bom = text.hasPrefix("\u{FEFF}") ? "\u{FEFF}" : ""
        let body = String(text.dropFirst(bom.count))
        _ = try parse(body, configFile: configFile)
        let root: JSONValue
        do { root = try JSONParser.parse(body) } catch {
            throw ConfigError(file: file, location: error.location, message: "invalid JSON: \(error.message)")
        }
        guard case .object(let members) = root.kind else {
            throw ConfigError(file: file, message: "expected an object at the top")
        }
        let lines = body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        let member = "\"\(name)\": \(entry)"
        var edited = body
        if let functions = members.first(where: { $0.key == "functions" }) {
            guard case .object(let entries) = functions.value.kind else {
                throw ConfigError(file: file, location: functions.value.location, message: "\"functions\" is not an object")
            }
            if let existing = entries.first(where: { $0.key == name }) {
                throw ConfigError(file: file, location: existing.keyLocation, message: "functions.\(name) already has an entry")
            }
            let outer = Self.indentation(of: functions.keyLocation, in: lines)
            let inner = entries.first.map { Self.indentation(of: $0.keyLocation, in: lines) } ?? outer + "  "
            let insertion = entries.isEmpty ? "\n\(inner)\(member)\n\(outer)" : "\n\(inner)\(member),"
            edited.insert(contentsOf: insertion, at: Self.index(after: functions.value.location, in: body))
        } else {
            let indent = members.first.map { Self.indentation(of: $0.keyLocation, in: lines) } ?? "  "
            let insertion = "\n\(indent)\"functions\": { \(member) }" + (members.isEmpty ? "\n" : ",")
            edited.insert(contentsOf: insertion, at: Self.index(after: root.location, in: body))
        }
        _ = try parse(edited, configFile: configFile)
        return bom + edited
    }

    /// The whitespace before `position` on its line.
    private static func indentation(of position: TextPosition, in lines: [Substring]) -> String {
        String(lines[position.line - 1].prefix(position.column - 1).prefix { $0 == " " || $0 == "\t" })
    }

    /// The index just past the character at `position` (an object's `{`).
    /// Lines end at each `\n` byte and columns count characters, as the parser's do.
    private static func index(after position: TextPosition, in text: String) -> String.Index {
        var lineStart = text.utf8.startIndex
        for _ in 1..<position.line {
            guard let newline = text.utf8[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            lineStart = text.utf8.index(after: newline)
        }
        return text.index(lineStart, offsetBy: position.column)
    }
}
