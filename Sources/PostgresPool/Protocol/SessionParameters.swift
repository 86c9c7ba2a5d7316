/// Startup parameters a group of clients asked for, shared by all clients that sent the
/// same ones (every pgbench client, every instance of a function), so that a server
/// connection last used by one of them needs no `SET` for the next.
final class SessionParameters {
    /// Canonical name -> value. Values of reported parameters are replaced by the server's
    /// normalized spelling once applied (`iso` becomes `ISO, MDY`).
    var values: [String: String]
    /// The startup parameters as sent, the key under which the pool shares this object.
    let key: [String: String]
    /// Clients currently using this set.
    var users = 0

    init(_ values: [String: String]) {
        self.values = values
        self.key = values
    }

    /// Spelling PostgreSQL uses for the parameters it reports (ParameterStatus).
    static let canonicalNames: [String: String] = [
        "datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
    ]

    /// Startup parameters that are not session settings.
    static let notSettings: Set<String> = ["user", "database", "options", "replication"]

    static func canonical(_ name: String) -> String {
        let lower = name.lowercased()
        return canonicalNames[lower] ?? lower
    }

    /// Whether `name` is a plain setting name (letters, digits, `_` and `.` only), so it can be
    /// spliced into `SET` safely.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// Splits a libpq `options` string (`-c a=b --c=d`) into settings; nil when it holds
    /// anything else (such switches are ignored with a notice).
    static func parseOptions(_ options: String) -> [(String, String)]? {
        var result: [(String, String)] = []
        var words: [String] = []
        var current = ""
        var escaped = false
        for char in options {
            if escaped { current.append(char); escaped = false; continue }
            if char == "\\" { escaped = true; continue }
            if char == " " || char == "\t" {
                if !current.isEmpty { words.append(current); current = "" }
                continue
            }
            current.append(char)
        }
        if !current.isEmpty { words.append(current) }
        var index = 0
        while index < words.count {
            var setting: String
            if words[index] == "-c", index + 1 < words.count {
                setting = words[index + 1]
                index += 2
            } else if words[index].hasPrefix("-c"), words[index].count > 2 {
                setting = String(words[index].dropFirst(2))
                index += 1
            } else if words[index].hasPrefix("--") {
                setting = String(words[index].dropFirst(2))
                index += 1
            } else {
                return nil
            }
            guard let equals = setting.firstIndex(of: "=") else { return nil }
            let name = String(setting[..<equals].map { $0 == "-" ? "_" : $0 })
            setting = String(setting[setting.index(after: equals)...])
            result.append((name, setting))
        }
        return result
    }

    /// `SET name TO value` with the value as an escape-string literal, safe whatever
    /// `standard_conforming_strings` says.
    static func setStatement(_ name: String, _ value: String?) -> String {
        guard let value else { return "RESET \(name)" }
        var literal = "E'"
        for char in value {
            switch char {
            case "'": literal += "''"
            case "\\": literal += "\\\\"
            default: literal.append(char)
            }
        }
        return "SET \(name) TO \(literal)'"
    }
}
