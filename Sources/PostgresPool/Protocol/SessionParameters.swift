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

    /// Settings PostgreSQL reports (ParameterStatus) when a client changes them; the pool
    /// follows those reports and carries the values to the client's next server connections.
    static let reportedTracked: Set<String> = [
        "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "application_name",
        "standard_conforming_strings", "default_transaction_read_only",
    ]

    /// Settings PostgreSQL does not report that the pool still carries between server
    /// connections: after a client's `SET`/`RESET` of one, the pool reads them back.
    static let unreportedTracked: [String] = [
        "search_path", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
        "extra_float_digits", "bytea_output", "default_transaction_isolation", "client_min_messages",
        "escape_string_warning",
    ]

    /// Reads the unreported tracked settings back: name, value, and whether it is the
    /// session default (`RESET` would not change it).
    static let captureQuery = "SELECT name, setting, setting = reset_val FROM pg_catalog.pg_settings WHERE name IN ("
        + unreportedTracked.map { "'\($0)'" }.joined(separator: ", ") + ")"

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

    /// Sets `name` to `value` (as PostgreSQL shows it, or as given at startup) the way a
    /// startup parameter is applied, so list settings such as `search_path` split as they
    /// should; nil resets it. The value is an escape-string literal, safe whatever
    /// `standard_conforming_strings` says.
    static func setStatement(_ name: String, _ value: String?) -> String {
        guard let value else { return "RESET \(name)" }
        return "SELECT pg_catalog.set_config(\(literal(name)), \(literal(value)), false)"
    }

    /// `set_config` of `name` to `value` for the current transaction only.
    static func setLocalCall(_ name: String, _ value: String) -> String {
        "pg_catalog.set_config(\(literal(name)), \(literal(value)), true)"
    }

    /// Sets each of `settings` back to the client's startup value after its `RESET`.
    static func restoreStatement(_ settings: [(name: String, value: String)]) -> String {
        "SELECT " + settings.map { "pg_catalog.set_config(\(literal($0.name)), \(literal($0.value)), false)" }.joined(separator: ", ")
    }

    private static func literal(_ value: String) -> String {
        var literal = "E'"
        for char in value {
            switch char {
            case "'": literal += "''"
            case "\\": literal += "\\\\"
            default: literal.append(char)
            }
        }
        return literal + "'"
    }
}
