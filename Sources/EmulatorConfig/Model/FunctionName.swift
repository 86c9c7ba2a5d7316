/// The rule for function names (folder names in `Functions/` and keys of
/// `"functions"`).
public enum FunctionName {
    /// The rule in words, for messages.
    public static let rule = "use letters, digits, \"-\" and \"_\", starting with a letter or digit, at most 64 characters"

    /// Whether `name` is a valid function name.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64,
              isLetterOrDigit(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetterOrDigit($0) || $0 == "-" || $0 == "_" }
    }

    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
