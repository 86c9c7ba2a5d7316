import ChildProcess
import Glibc
import Testing

@Suite struct ChildProcessTests {
    @Test func runCollectsOutputAndStatus() async throws {
        let result = try await ChildProcess.run(ProcessSpec(
            executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"]))
        #expect(result.status == .exited(3))
        #expect(result.output.contains("out\n"))
        #expect(result.output.contains("err\n"))
    }

    @Test func environmentIsExactlyTheGivenOne() async throws {
        let result = try await ChildProcess.run(ProcessSpec(
            executable: "/usr/bin/env", environment: ["ONLY": "this"]))
        #expect(result.output == "ONLY=this\n")
    }

    @Test func workingDirectoryIsApplied() async throws {
        let result = try await ChildProcess.run(ProcessSpec(executable: "/bin/pwd", workingDirectory: "/tmp"))
        #expect(result.output == "/tmp\n")
    }

    @Test func runKillsAChildThatOutlivesItsTimeout() async throws {
        let result = try await ChildProcess.run(
            ProcessSpec(executable: "/bin/sleep", arguments: ["600"]), timeout: .milliseconds(200))
        #expect(result.status == .signaled(SIGKILL))
    }

    @Test func missingProgramGivesAClearError() async throws {
        await #expect {
            _ = try await ChildProcess.spawn(ProcessSpec(executable: "/nonexistent/program"))
        } throws: { error in
            "\(error)".contains("/nonexistent/program") && "\(error)".contains("execve")
        }
    }

    @Test func signalReachesTheWholeProcessGroup() async throws {
        // The shell starts a grandchild; killing the group must take both.
        let child = try await ChildProcess.spawn(ProcessSpec(
            executable: "/bin/sh", arguments: ["-c", "sleep 300 & echo $!; wait"], output: .pipe))
        let grandchild = try #require(Int32(readLine(from: child.standardOutput!)))
        child.signal(SIGKILL)
        #expect(await child.waitForExit() == .signaled(SIGKILL))
        var gone = false
        for _ in 0..<200 where !gone {
            gone = kill(grandchild, 0) != 0 || isZombie(grandchild)
            if !gone { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(gone)
        close(child.standardOutput!)
        close(child.standardError!)
    }

    @Test func manyConcurrentChildrenAreAllReaped() async throws {
        let statuses = try await withThrowingTaskGroup(of: TerminationStatus.self) { group in
            for code in 0..<50 {
                group.addTask {
                    try await ChildProcess.run(ProcessSpec(executable: "/bin/sh", arguments: ["-c", "exit \(code % 7)"])).status
                }
            }
            return try await group.reduce(into: [TerminationStatus]()) { $0.append($1) }
        }
        #expect(statuses.count == 50)
        #expect(Set(statuses) == Set((0..<7).map { TerminationStatus.exited(Int32($0)) }))
    }

    @Test(.enabled(if: geteuid() == 0 && ProcessUser.named("postgres") != nil))
    func runsAsAnotherUser() async throws {
        let user = try #require(ProcessUser.named("postgres"))
        let result = try await ChildProcess.run(ProcessSpec(executable: "/usr/bin/id", arguments: ["-u"], user: user))
        #expect(result.output == "\(user.uid)\n")
    }
}

private func readLine(from fd: Int32) -> String {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1, byte != 10 { bytes.append(byte) }
    return String(decoding: bytes, as: UTF8.self)
}

private func isZombie(_ pid: Int32) -> Bool {
    guard let file = fopen("/proc/\(pid)/stat", "r") else { return true }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 512)
    guard fgets(&buffer, 512, file) != nil else { return true }
    let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return line.contains(") Z ")
}
