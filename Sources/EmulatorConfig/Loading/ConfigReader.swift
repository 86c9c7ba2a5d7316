/// Reads typed values out of parsed JSON, turning every mismatch into a
/// ``ConfigError`` that names the file, position and key path.
struct ConfigReader {
    /// The file name used in messages.
    let file: String

    /// An error about the value at `keyPath` (empty: the whole document).
    func error(_ value: JSONValue, _ keyPath: String, _ message: String) -> ConfigError {
        ConfigError(file: file, location: value.location, keyPath: keyPath.isEmpty ? nil : keyPath, message: message)
    }

    /// The members of the object `value`, after checking that every key is
    /// one of `allowed`.
    func object(_ value: JSONValue, at keyPath: String, allowed: [String]) throws(ConfigError) -> [String: JSONValue] {
        let members = try anyObject(value, at: keyPath)
        for member in members where !allowed.contains(member.key) {
            var message = "unknown key \"\(member.key)\""
            if let suggestion = Spelling.closest(to: member.key, among: allowed) {
                message += " (did you mean \"\(suggestion)\"?)"
            }
            message += "; allowed here: " + allowed.joined(separator: ", ")
            throw ConfigError(file: file, location: member.keyLocation, keyPath: Self.join(keyPath, member.key), message: message)
        }
        var values: [String: JSONValue] = [:]
        for member in members { values[member.key] = member.value }
        return values
    }

    /// The members of the object `value`, whatever their keys, in the order written.
    func anyObject(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> [JSONValue.Member] {
        guard case .object(let members) = value.kind else {
            throw error(value, keyPath, "expected an object, got \(value.summary)")
        }
        return members
    }

    /// The elements of the array `value`.
    func array(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> [JSONValue] {
        guard case .array(let elements) = value.kind else {
            throw error(value, keyPath, "expected an array, got \(value.summary)")
        }
        return elements
    }

    /// The string `value`.
    func string(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> String {
        guard case .string(let text) = value.kind else {
            throw error(value, keyPath, "expected a string, got \(value.summary)")
        }
        return text
    }

    /// The string `value`, or nil for `null`.
    func optionalString(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> String? {
        if case .null = value.kind { return nil }
        guard case .string(let text) = value.kind else {
            throw error(value, keyPath, "expected a string or null, got \(value.summary)")
        }
        return text
    }

    /// The boolean `value`.
    func boolean(_ value: JSONValue, at keyPath: String) throws(ConfigError) -> Bool {
        guard case .bool(let flag) = value.kind else {
            throw error(value, keyPath, "expected true or false, got \(value.summary)")
        }
        return flag
    }

    /// The integer `value`, which must lie in `range`.
    func integer(_ value: JSONValue, at keyPath: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .number(let number, _) = value.kind,
              number.rounded() == number, abs(number) <= 9_007_199_254_740_992 else {
            throw error(value, keyPath, "expected an integer, got \(value.summary)")
        }
        let integer = Int(number)
        guard range.contains(integer) else {
            throw error(value, keyPath, "expected an integer \(Self.describe(range)), got \(value.summary)")
        }
        return integer
    }

    /// The number `value`, which must be greater than `exclusiveMinimum` (when
    /// given), at least `minimum` (when given) and at most `maximum` (when given).
    func number(
        _ value: JSONValue, at keyPath: String,
        greaterThan exclusiveMinimum: Double? = nil, atLeast minimum: Double? = nil, atMost maximum: Double? = nil
    ) throws(ConfigError) -> Double {
        guard case .number(let number, _) = value.kind else {
            throw error(value, keyPath, "expected a number, got \(value.summary)")
        }
        var bounds: [String] = []
        if let exclusiveMinimum { bounds.append("greater than \(Self.format(exclusiveMinimum))") }
        if let minimum { bounds.append("at least \(Self.format(minimum))") }
        if let maximum { bounds.append("at most \(Self.format(maximum))") }
        let tooSmall = (exclusiveMinimum.map { number <= $0 } ?? false) || (minimum.map { number < $0 } ?? false)
        let tooLarge = maximum.map { number > $0 } ?? false
        if tooSmall || tooLarge {
            throw error(value, keyPath, "expected a number \(bounds.joined(separator: " and ")), got \(value.summary)")
        }
        return number
    }

    /// One of the raw values of `E`.
    func enumeration<E: RawRepresentable & CaseIterable>(
        _ value: JSONValue, at keyPath: String, as type: E.Type
    ) throws(ConfigError) -> E where E.RawValue == String {
        let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        guard case .string(let text) = value.kind else {
            throw error(value, keyPath, "expected \(allowed), got \(value.summary)")
        }
        guard let result = E(rawValue: text) else {
            throw error(value, keyPath, "expected \(allowed), got \(value.summary)")
        }
        return result
    }

    /// `parent.key`, or `key` at the top level.
    static func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "of at least \(range.lowerBound)" }
        return "from \(range.lowerBound) to \(range.upperBound)"
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// Finds the likely intended word for a misspelt key.
enum Spelling {
    /// The candidate `word` is the beginning of (`timeout` -> `timeoutSeconds`),
    /// else the one closest by edit distance (case-insensitive) if it is close
    /// enough to be a plausible typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        if lowered.count >= 4, let extended = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return extended
        }
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, min(word.count, best.0.count) / 3) ? best.0 : nil
    }

    /// Edit distance counting insertions, deletions, substitutions and
    /// swaps of neighbours (optimal string alignment).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs), right = Array(rhs)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var table = Array(repeating: Array(repeating: 0, count: right.count + 1), count: left.count + 1)
        for i in 0...left.count { table[i][0] = i }
        for j in 0...right.count { table[0][j] = j }
        for i in 1...left.count {
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[left.count][right.count]
    }
}
