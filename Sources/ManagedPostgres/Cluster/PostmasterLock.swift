#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// The server's lock file, `postmaster.pid`, left behind when a server was
/// killed. PostgreSQL refuses to start while it names a live process of its
/// own user, even when that pid now belongs to something else.
enum PostmasterLock {
    /// Removes a stale lock file; throws ``ManagedPostgresError/alreadyRunning(pid:dataDirectory:)``
    /// when a live server runs on `dataDirectory`.
    static func clearStale(pidFile: String, dataDirectory: String, logger: Logger) throws {
        guard FileSystem.exists(pidFile) else { return }
        let firstLine = FileSystem.readText(pidFile)?.split(separator: "\n").first
        let pid = firstLine.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        if let pid, pid > 0, isServer(pid: pid, dataDirectory: dataDirectory) {
            throw ManagedPostgresError.alreadyRunning(pid: pid, dataDirectory: dataDirectory)
        }
        logger.notice("removing stale postmaster.pid (pid \(pid.map(String.init) ?? "unreadable") is not a server on this data directory)")
        try FileSystem.remove(pidFile)
    }

    /// Whether `pid` is alive and is a PostgreSQL server on `dataDirectory`. A killed
    /// server that is not yet reaped (a zombie, as after `kill -9` of the emulator and its
    /// database when nothing reaps orphans promptly) is not: it holds no port or memory.
    static func isServer(pid: Int32, dataDirectory: String) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM, !isZombie(pid: pid) else { return false }
        // The postmaster works in its data directory, so its cwd identifies it.
        if let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") {
            let ours = URL(fileURLWithPath: dataDirectory).resolvingSymlinksInPath().path
            return cwd == ours
        }
        // Without access to its cwd, trust the program name when it is known.
        if let name = FileSystem.readText("/proc/\(pid)/comm") {
            return name.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("postgres")
        }
        return true
    }

    /// Whether `pid` has exited and waits to be reaped (state `Z` in `/proc/PID/stat`).
    private static func isZombie(pid: Int32) -> Bool {
        guard let stat = FileSystem.readText("/proc/\(pid)/stat"), let end = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: end)...].first { $0 != " " } == "Z"
    }
}
