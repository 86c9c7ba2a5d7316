#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything needed to start a child process.
///
/// Nothing of the parent's environment is inherited: `environment` is the
/// child's whole environment.
public struct ProcessSpec: Sendable {
    /// Absolute path of the program.
    public var executable: String
    /// The arguments after the program name (`argv[1...]`).
    public var arguments: [String]
    /// The child's complete environment.
    public var environment: [String: String]
    /// The child's working directory; `nil` keeps the parent's.
    public var workingDirectory: String?
    /// Run the child as this user (needs root).
    public var user: ProcessUser?
    /// Where the child's standard output and error go.
    public var output: ProcessOutput
    /// Signal the kernel sends the child when the host dies, even by SIGKILL (0: none).
    public var parentDeathSignal: Int32
    /// Whether the child leads a process group of its own, so that signals
    /// reach everything it starts.
    public var newProcessGroup: Bool

    /// Creates a spec; see the properties for the meaning of each argument.
    public init(
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        user: ProcessUser? = nil,
        output: ProcessOutput = .inherit,
        parentDeathSignal: Int32 = SIGKILL,
        newProcessGroup: Bool = true
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.output = output
        self.parentDeathSignal = parentDeathSignal
        self.newProcessGroup = newProcessGroup
    }

    /// Finds `name` in the colon-separated `searchPath` (the host's `PATH` by
    /// default). Returns `name` itself when it already contains a slash and is executable.
    public static func findExecutable(_ name: String, searchPath: String? = nil) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = searchPath ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin")
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// Where a child's standard output and standard error go. Standard input is always `/dev/null`.
public enum ProcessOutput: Sendable, Equatable {
    /// The parent's own standard output and error.
    case inherit
    /// `/dev/null`.
    case discard
    /// Two pipes whose read ends are handed to the caller
    /// (``ChildProcess/standardOutput`` and ``ChildProcess/standardError``).
    case pipe
    /// One pipe for both, interleaved as written, whose read end is handed to
    /// the caller as ``ChildProcess/standardOutput`` (``ChildProcess/standardError`` is nil):
    /// one descriptor and one reader instead of two when both go to the same place.
    case combinedPipe
}

/// A user account a child runs as.
public struct ProcessUser: Sendable, Equatable {
    /// The account's user id.
    public let uid: UInt32
    /// The account's primary group id.
    public let gid: UInt32
    /// The account's login name.
    public let name: String

    /// Creates a user from explicit ids.
    public init(uid: UInt32, gid: UInt32, name: String) {
        self.uid = uid
        self.gid = gid
        self.name = name
    }

    /// Looks the account up in the user database; `nil` when it does not exist.
    public static func named(_ name: String) -> ProcessUser? {
        guard let entry = getpwnam(name) else { return nil }
        return ProcessUser(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, name: name)
    }
}

/// How a child ended.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    /// It called `exit` with this code.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    /// Whether it exited with code 0.
    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}

/// Why a child could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    /// The program that was to be started.
    public let executable: String
    /// The step that failed (`execve`, `chdir`, `pipe`, ...).
    public let step: String
    /// The `errno` of the failure.
    public let errorNumber: Int32

    public var description: String {
        "cannot start \(executable): \(step) failed: \(String(cString: strerror(errorNumber)))"
    }
}
