import ChildProcess
import EmulatorConfig
import Foundation
import Synchronization

/// The runtime clients the emulator brings for Node.js and Python functions,
/// as Lambda's managed runtimes: compiled into the binary (one copy each, in
/// `Sources/FunctionHost/Runtimes/`) and written into `.emulator/runtimes/`
/// beside `Functions/`, where instances run them on the machine's interpreter.
public enum BuiltInRuntime: Sendable, CaseIterable {
    case nodejs
    case python

    /// The runtime of functions of `kind`, nil for Swift functions and custom runtimes.
    public init?(_ kind: FunctionKind) {
        switch kind {
        case .nodejs: self = .nodejs
        case .python: self = .python
        case .swift, .customRuntime: return nil
        }
    }

    /// The interpreter looked up on `PATH`.
    public var interpreter: String {
        switch self {
        case .nodejs: "node"
        case .python: "python3"
        }
    }

    /// What to install when the interpreter is missing.
    var installHint: String {
        switch self {
        case .nodejs: "install Node.js 18 or later (Debian: apt-get install nodejs)"
        case .python: "install Python 3 (Debian: apt-get install python3)"
        }
    }

    /// `AWS_EXECUTION_ENV`, as Lambda names its managed runtimes.
    var executionEnvironment: String {
        switch self {
        case .nodejs: "AWS_Lambda_nodejs"
        case .python: "AWS_Lambda_python3"
        }
    }

    /// The client's folder under the runtimes folder (`LAMBDA_RUNTIME_DIR`).
    var folder: String {
        switch self {
        case .nodejs: "nodejs"
        case .python: "python"
        }
    }

    /// The client's path under the runtimes folder.
    var relativePath: String {
        switch self {
        case .nodejs: "nodejs/bootstrap.cjs"
        case .python: "python/bootstrap.py"
        }
    }

    var contents: [UInt8] {
        switch self {
        case .nodejs: PackageResources.bootstrap_cjs
        case .python: PackageResources.bootstrap_py
        }
    }

    /// The folder the runtime clients are written to for the functions in `functionsDirectory`.
    static func directory(forFunctionsIn functionsDirectory: String) -> String {
        URL(fileURLWithPath: functionsDirectory).deletingLastPathComponent().path + "/.emulator/runtimes"
    }

    /// Paths this process has written (and checked) already.
    private static let installed = Mutex<Set<String>>([])

    /// Writes the client into `directory` unless it is there with these
    /// bytes already (checked once per process, then only that it exists);
    /// returns its path. Written to a temporary file and renamed, so a
    /// concurrent launch never runs half a file.
    func install(into directory: String) throws -> String {
        let path = directory + "/" + relativePath
        if Self.installed.withLock({ $0.contains(path) }), access(path, R_OK) == 0 { return path }
        let bytes = Data(contents)
        if FileManager.default.contents(atPath: path) != bytes {
            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let temporary = folder + "/.\(UUID().uuidString)"
            try bytes.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                throw RuntimeInstallError(path: path, reason: reason)
            }
        }
        _ = Self.installed.withLock { $0.insert(path) }
        return path
    }

    /// One line per function whose interpreter is not on `searchPath`,
    /// naming the function, the interpreter and what to install; empty when all are there.
    public static func missingInterpreters(for functions: [FunctionDefinition], searchPath: String?) -> [String] {
        functions.compactMap { function in
            guard let runtime = BuiltInRuntime(function.kind),
                  ProcessSpec.findExecutable(runtime.interpreter, searchPath: searchPath) == nil else { return nil }
            return "function \(function.name) is a \(function.kind.displayName) function and there is no "
                + "`\(runtime.interpreter)` on PATH: \(runtime.installHint)"
        }
    }
}

/// The runtime client could not be written.
struct RuntimeInstallError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write the built-in runtime \(path): \(reason)" }
}

/// A built-in runtime's interpreter is not on `PATH`.
struct MissingInterpreterError: Error, CustomStringConvertible {
    let function: String
    let runtime: BuiltInRuntime
    var description: String {
        "function \(function) needs `\(runtime.interpreter)` on PATH, which has none: \(runtime.installHint)"
    }
}
