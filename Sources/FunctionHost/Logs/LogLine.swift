import Foundation

/// One line of the host's log, with what the JSON format says about it.
struct LogLine: Sendable {
    /// `info`, `warning`, `error`, ... (swift-log's level names).
    var level: String
    /// `host`, `storm`, or `<function>/<instance>` for an instance's lines.
    var source: String
    var message: String

    /// A line as the host writes it: `[source] message` for an instance (or
    /// the storm), anything else is the host's own; `error: ...` lines are errors.
    init(parsing line: String) {
        if line.hasPrefix("["), let end = line.firstIndex(of: "]"),
           line.index(after: end) == line.endIndex || line[line.index(after: end)] == " " {
            source = String(line[line.index(after: line.startIndex)..<end])
            message = String(line[line.index(after: end)...].drop { $0 == " " })
            level = "info"
        } else {
            source = "host"
            message = line
            level = line.hasPrefix("error:") ? "error" : line.hasPrefix("warning:") ? "warning" : "info"
        }
    }

    init(level: String, source: String, message: String) {
        self.level = level
        self.source = source
        self.message = message
    }

    /// `{"time":"2025-01-01T12:00:00.000Z","level":"info","source":"host","message":"..."}`.
    func json(at time: Date) -> String {
        let stamp = time.ISO8601Format(.iso8601WithTimeZone(includingFractionalSeconds: true))
        return #"{"time":"\#(stamp)","level":\#(Self.quoted(level)),"source":\#(Self.quoted(source)),"message":\#(Self.quoted(message))}"#
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
