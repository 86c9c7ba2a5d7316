import ChildProcess
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The real `emulator` binary, started as a process on a free port for one
/// test, with its output captured. Killed when the test is done.
final class HostProcess: Sendable {
    let process: ChildProcess
    let port: Int
    private let output: CapturedOutput

    /// The folder of the test runner, where SwiftPM also put `emulator` and the function products.
    static let binDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    /// Starts the emulator on `configFile` and waits until it listens.
    /// With `building`, the emulator builds the project's Swift functions itself.
    static func start(
        configFile: String, extraArguments: [String] = [], environment: [String: String] = [:], building: Bool = false
    ) async throws -> HostProcess {
        await HostSlots.shared.acquire()
        let process: ChildProcess
        let output: CapturedOutput
        do {
            (process, output) = try await launch(
                configFile: configFile, extraArguments: extraArguments, environment: environment, building: building)
        } catch {
            HostSlots.shared.release()
            throw error
        }
        let deadline = ContinuousClock.now + .seconds(building ? 300 : 60)
        while ContinuousClock.now < deadline {
            let text = output.text
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                return HostProcess(process: process, port: Int(digits)!, output: output)
            }
            if process.exitStatus != nil {
                HostSlots.shared.release()
                throw HostError(message: "emulator exited (\(process.exitStatus!)) before listening:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        HostSlots.shared.release()
        throw HostError(message: "emulator did not start listening:\n\(output.text)")
    }

    /// Runs the emulator to completion (for start-up errors) and returns its status and output.
    static func runToExit(
        configFile: String, extraArguments: [String] = [], building: Bool = false
    ) async throws -> (TerminationStatus, String) {
        let (process, output) = try await launch(
            configFile: configFile, extraArguments: extraArguments, environment: [:], building: building)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(300))
            process.signal(SIGKILL)
        }
        let status = await process.waitForExit()
        watchdog.cancel()
        _ = await eventually(10) { output.closedStreams == 2 }  // the readers drained both pipes
        return (status, output.text)
    }

    private static func launch(
        configFile: String, extraArguments: [String], environment: [String: String], building: Bool = false
    ) async throws -> (ChildProcess, CapturedOutput) {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory()]
        for (key, value) in environment { env[key] = value }
        let process = try await ChildProcess.spawn(ProcessSpec(
            executable: binDirectory + "/emulator",
            arguments: ["--config", configFile, "--port", "0"] + (building ? [] : ["--no-build"]) + extraArguments,
            environment: env, output: .pipe))
        let output = CapturedOutput()
        for descriptor in [process.standardOutput!, process.standardError!] {
            Thread.detachNewThread { [output] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count <= 0 { break }
                    output.append(String(decoding: buffer[0..<count], as: UTF8.self))
                }
                close(descriptor)
                output.streamClosed()
            }
        }
        return (process, output)
    }

    private init(process: ChildProcess, port: Int, output: CapturedOutput) {
        self.process = process
        self.port = port
        self.output = output
    }

    deinit {
        process.signal(SIGKILL)
        HostSlots.shared.release()
    }

    /// Everything the emulator printed so far.
    var log: String { output.text }

    /// Sends one request to the front door.
    func request(
        _ method: String = "GET", _ path: String, body: Data? = nil, headers fields: [String: String] = [:]
    ) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in fields { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return (http.statusCode, data, headers)
    }

    /// The response body parsed as a JSON object.
    func json(_ method: String = "GET", _ path: String, body: Data? = nil) async throws -> (status: Int, object: [String: Any]) {
        let (status, data, _) = try await request(method, path, body: body)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return (status, object)
    }

    /// `functions.<name>` of `/_emulator/stats`.
    func stats(_ function: String) async throws -> [String: Any] {
        let (_, object) = try await json("GET", "/_emulator/stats")
        return (object["functions"] as? [String: Any])?[function] as? [String: Any] ?? [:]
    }

    /// `functions.<name>.failuresByCause` of the stats.
    func failuresByCause(_ function: String) async throws -> [String: Int] {
        try await stats(function)["failuresByCause"] as? [String: Int] ?? [:]
    }

    /// `functions.<name>.instances.<key>` of the stats.
    func instances(_ function: String, _ key: String = "total") async throws -> Int {
        try await (stats(function)["instances"] as? [String: Any])?[key] as? Int ?? -1
    }

    /// The host's direct children whose command line contains `command`: by
    /// default the custom-runtime instances (their `bootstrap`).
    func instancePIDs(command: String = "bootstrap") throws -> [Int32] {
        // Every process whose parent is the host, from the fourth field of /proc/N/stat: the
        // kernel's task/*/children lists are reliable only while the children are stopped
        // (proc(5)), and missed a running instance once under the whole suite's load.
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let nameEnd = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")  // state, ppid, ...
            guard fields.count > 1, Int32(fields[1]) == process.pid else { return false }
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return commandLine.contains(command)
        }
    }

    /// Waits until `condition` holds, checking every 50 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// What a process printed, appended to by reader threads.
final class CapturedOutput: Sendable {
    private let storage = Mutex((text: "", closed: 0))
    var text: String { storage.withLock { $0.text } }
    /// How many of the captured streams have reached their end.
    var closedStreams: Int { storage.withLock { $0.closed } }
    func append(_ chunk: String) { storage.withLock { $0.text += chunk } }
    func streamClosed() { storage.withLock { $0.closed += 1 } }
}

struct HostError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The state letter of a process (`R`, `S`, `T` for stopped, ...), nil once it is gone.
func processState(_ pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].first { $0 != " " }
}

/// Whether a process with this pid is alive (and not a zombie).
func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return !stat.contains(") Z ")
}
