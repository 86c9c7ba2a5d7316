#if canImport(Glibc)
import Glibc
#endif

/// The resident memory of a process and everything it started, read from
/// `/proc`, for the out-of-memory kill of an instance (see ``Instance``).
///
/// It runs every 200 ms for every instance, so it reads `/proc` with plain
/// system calls: Foundation's `String(contentsOfFile:)` leaks about 4 kB per
/// call on a `/proc` file that reads empty (swift-corelibs-foundation with
/// Swift 6.3.1), and a `children` file of a process without children is empty:
/// 1000 idle instances grew the host by 20 MB a second.
enum ProcessTreeMemory {
    /// `VmRSS` of `root` and all its descendants together, in whole megabytes; 0 once it is gone.
    static func residentMegabytes(root: Int32) -> Int {
        var kilobytes = 0
        var pending = [root]
        var seen: Set<Int32> = []
        while let pid = pending.popLast() {
            guard seen.insert(pid).inserted else { continue }
            kilobytes += ProcStatus.kilobytes("VmRSS", pid: pid) ?? 0
            children(of: pid, into: &pending)
        }
        return kilobytes / 1024
    }

    /// Appends the pids listed in `/proc/<pid>/task/<tid>/children` of every thread of `pid`.
    private static func children(of pid: Int32, into pids: inout [Int32]) {
        guard let tasks = opendir("/proc/\(pid)/task") else { return }
        defer { closedir(tasks) }
        while let entry = readdir(tasks) {
            let thread = withUnsafeBytes(of: entry.pointee.d_name) { name in
                Int32(String(decoding: name.prefix { $0 != 0 }, as: UTF8.self))
            }
            guard let thread else { continue }  // "." and ".."
            appendNumbers(inFile: "/proc/\(pid)/task/\(thread)/children", to: &pids)
        }
    }

    /// Appends every decimal number of a file (space-separated pids) to `numbers`.
    private static func appendNumbers(inFile path: String, to numbers: inout [Int32]) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
            var number: Int32 = 0
            var digits = 0
            while true {
                let count = read(descriptor, buffer.baseAddress!, buffer.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                for byte in buffer[..<count] {
                    if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                        number = number &* 10 &+ Int32(byte - UInt8(ascii: "0"))
                        digits += 1
                    } else {
                        if digits > 0 { numbers.append(number) }
                        number = 0
                        digits = 0
                    }
                }
            }
            if digits > 0 { numbers.append(number) }
        }
    }
}
