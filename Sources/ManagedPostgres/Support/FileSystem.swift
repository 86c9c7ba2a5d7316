#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few POSIX file operations the cluster needs, each throwing
/// ``ManagedPostgresError/fileSystem(_:)`` with the path and the system's reason.
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Owner and permission bits of `path`, or `nil` when it does not exist.
    static func status(_ path: String) -> (uid: UInt32, gid: UInt32, mode: UInt32)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt32(info.st_uid), UInt32(info.st_gid), UInt32(info.st_mode) & 0o7777)
    }

    /// Creates `path` and its missing parents.
    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ManagedPostgresError.fileSystem("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    static func setMode(_ path: String, _ mode: UInt32) throws {
        guard chmod(path, mode_t(mode)) == 0 else { throw failure("chmod", path) }
    }

    /// Gives `path` (and, when `recursive`, everything below it) to `uid`/`gid`.
    static func setOwner(_ path: String, uid: UInt32, gid: UInt32, recursive: Bool) throws {
        guard lchown(path, uid_t(uid), gid_t(gid)) == 0 else { throw failure("chown", path) }
        guard recursive, let entries = FileManager.default.enumerator(atPath: path) else { return }
        for case let entry as String in entries {
            let child = "\(path)/\(entry)"
            guard lchown(child, uid_t(uid), gid_t(gid)) == 0 else { throw failure("chown", child) }
        }
    }

    /// Removes `path` and everything below it; a missing path is fine.
    static func remove(_ path: String) throws {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ManagedPostgresError.fileSystem("cannot remove \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `contents` to `path` with mode 0600 (the file never exists with a wider mode).
    static func writePrivateFile(_ path: String, contents: Data) throws {
        let temporary = "\(path).tmp-\(getpid())"
        _ = unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else { throw failure("create", temporary) }
        let written = contents.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        let syncFailed = fsync(fd) != 0
        close(fd)
        guard written, !syncFailed else {
            let error = failure("write", temporary)
            _ = unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", temporary)
            _ = unlink(temporary)
            throw error
        }
    }

    static func readText(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    private static func failure(_ step: String, _ path: String) -> ManagedPostgresError {
        .fileSystem("\(step) \(path) failed: \(String(cString: strerror(errno)))")
    }
}
