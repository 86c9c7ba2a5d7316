#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Creates a new, empty, private directory under the system's temporary
/// directory, named `<prefix>-XXXXXX`, and records the test process as its
/// owner, so that a later test process can remove it should this one die
/// without cleaning up (see ``removeAbandonedTemporaryDirectories(prefix:)``).
public func makeTemporaryDirectory(prefix: String = "emulator-test") throws -> String {
    var template = Array("\(temporaryBase)/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestSupportError("mkdtemp in \(temporaryBase) failed: \(String(cString: strerror(errno)))")
    }
    let directory = String(cString: made)
    try String(getpid()).write(toFile: "\(directory)/\(ownerFile)", atomically: true, encoding: .utf8)
    return directory
}

/// Removes `path` and everything below it; a missing path is fine.
public func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Removes directories made by ``makeTemporaryDirectory(prefix:)`` whose
/// owning test process no longer exists (it crashed or was killed; its
/// servers died with it through their parent-death signal).
public func removeAbandonedTemporaryDirectories(prefix: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryBase)) ?? []
    for name in names where name.hasPrefix("\(prefix)-") {
        let directory = "\(temporaryBase)/\(name)"
        guard let owner = try? String(contentsOfFile: "\(directory)/\(ownerFile)", encoding: .utf8),
            let pid = Int32(owner), kill(pid, 0) == -1, errno == ESRCH
        else { continue }
        removeDirectory(directory)
    }
}

private let ownerFile = "owner.pid"

private var temporaryBase: String {
    ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
}
