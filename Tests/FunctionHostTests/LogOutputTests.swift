import ChildProcess
import Foundation
import Testing

/// What the host prints: plain lines into a pipe, a live summary line on a
/// terminal, one JSON object per line with `--log-format json`.
@Suite struct LogOutputTests {
    @Test func jsonLogFormatWritesEveryLineAsOneObject() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"], "hang": ["handler": "hang", "timeoutSeconds": 1]])
        let host = try await HostProcess.start(configFile: project.configFile, extraArguments: ["--log-format", "json"])
        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(try await host.request("GET", "/hang").status == 504)
        #expect(await HostProcess.eventually { host.log.contains("Task timed out") })

        let lines = host.log.split(separator: "\n")
        var sources: Set<String> = []
        var messages: [String] = []
        for line in lines {
            let object = try #require(
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "not a JSON object: \(line)")
            #expect(Set(object.keys) == ["time", "level", "source", "message"], "\(line)")
            let time = try #require(object["time"] as? String)
            #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
            sources.insert(try #require(object["source"] as? String))
            messages.append(try #require(object["message"] as? String))
            #expect(["info", "warning", "error", "notice", "debug", "trace", "critical"].contains(object["level"] as? String))
        }
        #expect(sources.contains("host"))
        let echo = try #require(sources.first { $0.hasPrefix("echo/") }, "\(sources)")
        #expect(sources.contains { $0.hasPrefix("hang/") })
        #expect(messages.contains { $0.hasPrefix("Emulator listening on http://127.0.0.1:") })
        #expect(messages.contains { $0.hasPrefix("START RequestId: ") })
        #expect(messages.contains { $0.hasPrefix("END RequestId: ") })
        #expect(messages.contains { $0.hasPrefix("REPORT RequestId: ") && $0.contains("\tDuration: ") })
        #expect(messages.contains { $0.hasPrefix("child pid ") }, "the instance's own output")
        #expect(!host.log.contains("[\(echo)]"), "the source is not repeated in the message")
    }

    /// A handler's output comes before its END line, also with frozen instances and concurrency.
    @Test func handlerOutputPrecedesItsEndLine() async throws {
        let project = try TestProject(functions: ["printer": ["handler": "printer", "freezeIdle": true]])
        let host = try await HostProcess.start(configFile: project.configFile)
        var requestIds: [String] = []
        for _ in 0..<4 {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { String(decoding: try await host.request("GET", "/printer?lines=20").body, as: UTF8.self) }
                }
                for try await id in group { requestIds.append(id) }
            }
        }
        #expect(requestIds.count == 32)
        #expect(await HostProcess.eventually { requestIds.allSatisfy { host.log.contains("REPORT RequestId: \($0)") } })
        let lines = host.log.split(separator: "\n").map(String.init)
        for id in requestIds {
            let end = try #require(lines.firstIndex { $0.contains(" END RequestId: \(id)") }, "no END for \(id)")
            let printed = lines.indices.filter { lines[$0].contains("handled \(id) line ") }
            #expect(printed.count == 20, "\(id)")
            #expect(printed.allSatisfy { $0 < end }, "output of \(id) after its END: lines \(printed.filter { $0 > end }) vs END at \(end)")
        }
    }

    @Test func aTerminalGetsALiveSummaryLineAndAPipeOnlyPlainLines() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let wrapper = project.directory + "/on-a-terminal.py"
        try Self.onATerminal.write(toFile: wrapper, atomically: true, encoding: .utf8)
        let (status, transcript) = try await ChildProcess.run(
            ProcessSpec(
                executable: "/usr/bin/python3",
                arguments: [wrapper, HostProcess.binDirectory + "/emulator", "--config", project.configFile, "--port", "0", "--no-build"],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory()],
                output: .pipe),
            timeout: .seconds(120))
        #expect(status == .exited(0), "\(transcript)")
        #expect(transcript.contains("\r\u{1B}[2Kpooled · 1 instance (0 busy, 1 idle) · "), "\(transcript.debugDescription)")
        #expect(transcript.contains(" req/s"))
        #expect(transcript.contains("\r\u{1B}[2K[echo/"), "a log line clears the summary, which is drawn again below it")
        let afterLastSummary = try #require(transcript.range(of: " req/s", options: .backwards)).upperBound
        #expect(transcript[afterLastSummary...].contains("\r\u{1B}[2K"),
                "the summary is removed when the host stops: \(transcript.suffix(200).debugDescription)")

        let piped = try await HostProcess.start(configFile: project.configFile)
        #expect(try await piped.request("GET", "/echo").status == 200)
        #expect(await HostProcess.eventually { piped.log.contains("REPORT RequestId") })
        #expect(!piped.log.contains("\u{1B}"), "no escape sequences into a pipe")
        #expect(!piped.log.contains("req/s"))
    }

    /// Runs the emulator on a pseudo-terminal, calls `/echo` once it listens
    /// and shows its summary line, waits for a summary line showing the warm instance, stops the emulator
    /// with SIGTERM and prints everything it wrote.
    private static let onATerminal = #"""
import os, pty, re, select, signal, sys, time, urllib.request

pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
transcript = b""
def read_until(condition, seconds):
    global transcript
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            transcript += chunk
try:
    read_until(lambda: re.search(rb"listening on http://127.0.0.1:(\d+)", transcript), 60)
    port = re.search(rb"listening on http://127.0.0.1:(\d+)", transcript).group(1).decode()
    read_until(lambda: b" req/s" in transcript, 30)
    urllib.request.urlopen("http://127.0.0.1:%s/echo" % port, timeout=30).read()
    read_until(lambda: b"1 instance (0 busy, 1 idle)" in transcript, 30)
finally:
    os.kill(pid, signal.SIGTERM)
    read_until(lambda: False, 30)
    os.waitpid(pid, 0)
    sys.stdout.buffer.write(transcript)
"""#
}
