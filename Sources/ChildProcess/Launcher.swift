import CSpawn
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The one thread that starts and reaps every child of the host.
///
/// Linux delivers the parent-death signal when the *thread* that forked the
/// child exits, so children are forked from this thread, which lives as long
/// as the process. The same thread waits (epoll) on a pidfd per child to reap
/// it the moment it exits, and on the output pipes of ``ChildProcess/run(_:)``.
final class Launcher: Sendable {
    static let shared = Launcher()

    private let epollFD: Int32
    private let wakeFD: Int32
    private let queue = Mutex<[SpawnRequest]>([])
    /// Watched descriptors; touched only by the launcher thread.
    private let watches = Mutex<[Int32: Watch]>([:])
    /// Kills what children leave behind in their groups if the host dies.
    private let reaper = GroupReaper()

    private enum Watch {
        /// A child to reap; `tracked` when the group reaper lists its group.
        case exit(ChildProcess, tracked: Bool)
        case output(OutputCollector)
    }

    private init() {
        epollFD = emu_epoll_create()
        wakeFD = emu_eventfd()
        precondition(epollFD >= 0 && wakeFD >= 0, "cannot create the launcher's epoll: \(errno)")
        _ = emu_epoll_add(epollFD, wakeFD)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            Unmanaged<Launcher>.fromOpaque(context!).takeRetainedValue().runLoop()
            return nil
        }, context)
        precondition(created == 0, "cannot start the launcher thread: \(created)")
        pthread_detach(thread)
    }

    /// Starts `spec` on the launcher thread and returns once it runs (or failed
    /// to), without holding the caller's thread meanwhile.
    func spawn(_ spec: ProcessSpec, collectOutput collector: OutputCollector?) async throws -> ChildProcess {
        let request = try SpawnRequest(spec: spec, collector: collector)
        defer { request.release() }
        return try await withCheckedThrowingContinuation { continuation in
            request.continuation = continuation
            queue.withLock { $0.append(request) }
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    private func runLoop() {
        var ready = [Int32](repeating: 0, count: 64)
        while true {
            let count = emu_epoll_wait(epollFD, &ready, 64)
            if count < 0 { continue }  // EINTR
            for fd in ready.prefix(Int(count)) {
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    for request in queue.withLock({ queue in defer { queue = [] }; return queue }) {
                        perform(request)
                    }
                } else {
                    service(fd)
                }
            }
        }
    }

    private func perform(_ request: SpawnRequest) {
        defer { request.continuation?.resume(with: request.result!) }
        var errorNumber: Int32 = 0
        var step: UnsafePointer<CChar>?
        let pid = withUnsafePointer(to: &request.c) { emu_spawn($0, &errorNumber, &step) }
        guard pid > 0 else {
            request.result = .failure(SpawnError(
                executable: request.spec.executable,
                step: step.map { String(cString: $0) } ?? "spawn",
                errorNumber: errorNumber))
            return
        }
        let child = ChildProcess(
            pid: pid,
            standardOutput: request.callerReadEnds?.out,
            standardError: request.callerReadEnds?.err,
            signalsGroup: request.spec.newProcessGroup)
        let pidFD = emu_pidfd_open(pid)
        guard pidFD >= 0 else {
            // Without a pidfd nobody would notice the exit: refuse rather than lose the child.
            let error = errno
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            request.result = .failure(SpawnError(executable: request.spec.executable, step: "pidfd_open", errorNumber: error))
            return
        }
        // A child told to shut down on its own (e.g. SIGINT) takes care of its
        // group; only groups meant to die with the host are listed.
        let tracked = reaper != nil && request.spec.newProcessGroup && request.spec.parentDeathSignal == SIGKILL
        if tracked { reaper?.track(pid) }
        watches.withLock { $0[pidFD] = .exit(child, tracked: tracked) }
        _ = emu_epoll_add(epollFD, pidFD)
        if let collector = request.collector, let fd = request.collectorReadEnd {
            watches.withLock { $0[fd] = .output(collector) }
            _ = emu_epoll_add(epollFD, fd)
        }
        request.result = .success(child)
    }

    private func service(_ fd: Int32) {
        guard let watch = watches.withLock({ $0[fd] }) else { return }
        switch watch {
        case .exit(let child, let tracked):
            var status: Int32 = 0
            let reaped = waitpid(child.pid, &status, WNOHANG)
            if reaped == 0 || (reaped < 0 && errno == EINTR) { return }
            stopWatching(fd)
            if tracked { reaper?.untrack(child.pid) }
            if reaped < 0 {
                child.markExited(.exited(-1))  // reaped elsewhere: the status is lost
            } else {
                child.markExited(status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f))
            }
        case .output(let collector):
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBytes { collector.append(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                stopWatching(fd)
                collector.finish()
            }
        }
    }

    private func stopWatching(_ fd: Int32) {
        _ = emu_epoll_remove(epollFD, fd)
        close(fd)
        watches.withLock { _ = $0.removeValue(forKey: fd) }
    }
}

/// One spawn, prepared on the caller's thread: C strings, pipes and the
/// request the vfork child reads.
private final class SpawnRequest: @unchecked Sendable {
    let spec: ProcessSpec
    let collector: OutputCollector?
    /// Resumed by the launcher thread once the spawn is done.
    var continuation: CheckedContinuation<ChildProcess, any Error>?
    var c = emu_spawn_request()
    var result: Result<ChildProcess, Error>?
    /// Read ends handed to the caller for `.pipe` and `.combinedPipe` (no `err` then).
    var callerReadEnds: (out: Int32, err: Int32?)?
    /// Read end the launcher collects for ``ChildProcess/run(_:)``.
    var collectorReadEnd: Int32?
    private var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private var envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    /// Descriptors the child receives, closed in the parent after the spawn.
    private var childEnds: [Int32] = []
    /// The parent's ends of the pipes, closed if the spawn fails.
    private var parentEnds: [Int32] = []

    init(spec: ProcessSpec, collector: OutputCollector?) throws {
        self.spec = spec
        self.collector = collector
        argv = Self.cArray([spec.executable] + spec.arguments)
        envp = Self.cArray(spec.environment.map { "\($0.key)=\($0.value)" })
        c.path = UnsafePointer(argv[0])
        c.argv = UnsafePointer(argv)
        c.envp = UnsafePointer(envp)
        if let directory = spec.workingDirectory { c.working_directory = UnsafePointer(strdup(directory)) }
        c.new_process_group = spec.newProcessGroup ? 1 : 0
        c.parent_death_signal = spec.parentDeathSignal
        if let user = spec.user {
            c.switch_user = 1
            c.uid = user.uid
            c.gid = user.gid
        }
        do {
            try openDescriptors()
        } catch {
            release()
            throw error
        }
    }

    /// Standard input from `/dev/null`, and output as `spec.output` asks.
    private func openDescriptors() throws {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { throw SpawnError(executable: spec.executable, step: "open /dev/null", errorNumber: errno) }
        childEnds.append(null)
        c.stdin_fd = null
        if collector != nil {
            let (read, write) = try makePipe()
            collectorReadEnd = read
            _ = fcntl(read, F_SETFL, O_NONBLOCK)
            c.stdout_fd = write
            c.stderr_fd = write
        } else {
            switch spec.output {
            case .inherit:
                c.stdout_fd = 1
                c.stderr_fd = 2
            case .discard:
                c.stdout_fd = null
                c.stderr_fd = null
            case .pipe:
                let out = try makePipe()
                let err = try makePipe()
                callerReadEnds = (out.read, err.read)
                c.stdout_fd = out.write
                c.stderr_fd = err.write
            case .combinedPipe:
                let both = try makePipe()
                callerReadEnds = (both.read, nil)
                c.stdout_fd = both.write
                c.stderr_fd = both.write
            }
        }
    }

    private func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard emu_pipe(&fds) == 0 else {
            throw SpawnError(executable: spec.executable, step: "pipe", errorNumber: errno)
        }
        childEnds.append(fds[1])
        parentEnds.append(fds[0])
        return (fds[0], fds[1])
    }

    /// Frees the C strings and closes the child's ends of the pipes; unless the
    /// child runs, also the parent's ends, which nobody will read.
    func release() {
        for fd in childEnds { close(fd) }
        if case .success = result {} else {
            for fd in parentEnds { close(fd) }
        }
        for pointer in [argv, envp] {
            var index = 0
            while let string = pointer[index] { free(string); index += 1 }
            pointer.deallocate()
        }
        free(UnsafeMutablePointer(mutating: c.working_directory))
    }

    private static func cArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { array[index] = strdup(string) }
        array[strings.count] = nil
        return array
    }
}
