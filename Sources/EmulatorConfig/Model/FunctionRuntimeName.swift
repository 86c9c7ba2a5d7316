/// A function's `"runtime"` setting: which kind of function its folder holds,
/// when runtime.json says so instead of leaving it to the folder's files.
public enum FunctionRuntimeName: String, Sendable, Equatable, CaseIterable {
    /// Swift sources (`*.swift`), built by SwiftPM.
    case swift
    /// A Node.js handler (`*.js`, `*.mjs`, `*.cjs`) run by the built-in Node.js runtime.
    case nodejs
    /// A Python handler (`*.py`) run by the built-in Python runtime.
    case python
    /// A custom runtime: an executable `bootstrap`.
    case provided
}
