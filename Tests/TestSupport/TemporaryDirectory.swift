#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Creates a new, empty, private directory under the system's temporary
/// directory, named `<prefix>-XXXXXX`.
public func makeTemporaryDirectory(prefix: String = "emulator-test") throws -> String {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestSupportError("mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
    }
    return String(cString: made)
}

/// Removes `path` and everything below it; a missing path is fine.
public func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
