import Foundation

/// The resident memory of a process and everything it started, read from
/// `/proc`, for the out-of-memory kill of an instance (see ``Instance``).
enum ProcessTreeMemory {
    /// `VmRSS` of `root` and all its descendants together, in whole megabytes; 0 once it is gone.
    static func residentMegabytes(root: Int32) -> Int {
        var kilobytes = 0
        var pending = [root]
        var seen: Set<Int32> = []
        while let pid = pending.popLast() {
            guard seen.insert(pid).inserted else { continue }
            kilobytes += ProcStatus.kilobytes("VmRSS", pid: pid) ?? 0
            pending += children(of: pid)
        }
        return kilobytes / 1024
    }

    private static func children(of pid: Int32) -> [Int32] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.flatMap { thread in
            let listed = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/children", encoding: .utf8)) ?? ""
            return listed.split(separator: " ").compactMap { Int32($0) }
        }
    }
}
