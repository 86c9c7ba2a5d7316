/// Environment variable names the host sets for every instance, which a
/// function's `"environment"` may therefore not set.
public enum ReservedEnvironment {
    /// The database variables of an instance with a database (its mode's URL and its parts).
    public static let databaseNames: Set<String> = [
        "DATABASE_URL", "DATABASE_PROXY_URL", "DATABASE_HTTP_URL", "DATABASE_TRANSPORT",
        "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME",
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGAPPNAME",
    ]
    /// Names reserved exactly.
    public static let names: Set<String> = databaseNames.union([
        "_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
        "_X_AMZN_TRACE_ID",
    ])
    /// Prefixes reserved for every name that starts with them
    /// (`AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`, ...).
    public static let prefixes: [String] = ["AWS_LAMBDA_"]

    /// Whether `name` is set by the host and cannot be set by a function.
    public static func contains(_ name: String) -> Bool {
        names.contains(name) || prefixes.contains { name.hasPrefix($0) }
    }

    /// Whether `name` is a portable environment variable name:
    /// a letter or `_`, then letters, digits and `_`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
