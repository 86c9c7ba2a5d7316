#if canImport(Glibc)
import Glibc
#endif

/// Reads one `kB` field of `/proc/<pid>/status` (such as `VmRSS` or `VmHWM`)
/// with two system calls and a byte scan: the REPORT line of every invocation
/// and the out-of-memory watch read it, so it stays off Foundation's string paths.
enum ProcStatus {
    /// The field's value in kilobytes, or nil when the process is gone or has no such field.
    static func kilobytes(_ field: StaticString, pid: Int32) -> Int? {
        let descriptor = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> Int? in
            var filled = 0
            while filled < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                filled += count
            }
            return value(of: field, in: UnsafeBufferPointer(rebasing: buffer[..<filled]))
        }
    }

    /// The number after `field:` at the start of a line of `text`.
    private static func value(of field: StaticString, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let name = UnsafeBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount)
        var lineStart = 0
        while lineStart + name.count < text.count {
            if text[lineStart + name.count] == UInt8(ascii: ":"),
               text[lineStart..<lineStart + name.count].elementsEqual(name) {
                var index = lineStart + name.count + 1
                while index < text.count, text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\t") { index += 1 }
                var number = 0
                var digits = 0
                while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
                    number = number * 10 + Int(text[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                return digits > 0 ? number : nil
            }
            guard let newline = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            lineStart = newline + 1
        }
        return nil
    }
}
