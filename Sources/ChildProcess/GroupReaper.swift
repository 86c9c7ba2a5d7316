import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// Kills the process groups of children that a dead host leaves behind.
///
/// The parent-death signal reaches only a direct child, not the processes it
/// started itself. So the launcher tells a small watcher process (a bash
/// loop) each group it starts and each it has reaped; when the host dies, the
/// watcher's standard input reaches end-of-file and it kills every group still
/// listed. Only the launcher thread uses it.
struct GroupReaper {
    private let descriptor: Int32

    /// The watcher script: keep a set of groups, kill them all at end of input.
    private static let script = #"""
        declare -A groups
        while read -r op group; do
          if [ "$op" = "+" ]; then groups[$group]=1; else unset "groups[$group]"; fi
        done
        for group in "${!groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null; done
        """#

    /// Starts the watcher; nil where bash is missing (then only direct children are covered).
    init?() {
        guard access("/bin/bash", X_OK) == 0 else { return nil }
        var fds: [Int32] = [0, 0]
        guard emu_pipe(&fds) == 0 else { return nil }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(fds[0]); close(null) }
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/bash"), strdup("-c"), strdup(Self.script), nil]
        var environment: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { for pointer in arguments { free(pointer) } }
        var request = emu_spawn_request()
        var errorNumber: Int32 = 0
        var step: UnsafePointer<CChar>?
        let pid = arguments.withUnsafeMutableBufferPointer { argv in
            environment.withUnsafeMutableBufferPointer { envp in
                request.path = UnsafePointer(argv[0])
                request.argv = UnsafePointer(argv.baseAddress)
                request.envp = UnsafePointer(envp.baseAddress)
                request.stdin_fd = fds[0]
                request.stdout_fd = null
                request.stderr_fd = null
                request.new_process_group = 1
                return emu_spawn(&request, &errorNumber, &step)
            }
        }
        guard pid > 0 else {
            close(fds[1])
            return nil
        }
        descriptor = fds[1]
    }

    /// Lists a group to kill if the host dies.
    func track(_ group: Int32) { send("+ \(group)\n") }

    /// Removes a group whose leader has been reaped.
    func untrack(_ group: Int32) { send("- \(group)\n") }

    private func send(_ line: String) {
        var line = line
        line.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
    }
}
