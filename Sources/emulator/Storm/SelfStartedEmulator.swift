import ArgumentParser
import ChildProcess
import EmulatorConfig
import Foundation
import NIOCore
import NIOPosix

/// An emulator that storm started because none answered: this same binary
/// running `serve` for the project, its output in `.emulator/storm-emulator.log`,
/// stopped (SIGTERM, then waited for) when the storm is done.
final class SelfStartedEmulator: Sendable {
    /// How long the emulator may take to answer; a first start builds the Swift functions.
    static let startTimeout: Duration = .seconds(900)
    /// How long it may take to stop before it is killed.
    static let stopTimeout: Duration = .seconds(60)

    /// Where it listens.
    let target: StormTarget
    /// Its output.
    let logPath: String
    private let process: ChildProcess
    private let copier: LogCopier

    private init(target: StormTarget, logPath: String, process: ChildProcess, copier: LogCopier) {
        self.target = target
        self.logPath = logPath
        self.process = process
        self.copier = copier
    }

    /// Starts `serve` for `config`'s project on the configured port (a free
    /// one when it is 0) and waits until its stats answer. Throws, with the
    /// end of its log, when it exits or does not answer in time; on Ctrl-C it
    /// is stopped and the error says so.
    static func start(config: RuntimeConfig, interruption: Interruption) async throws -> SelfStartedEmulator {
        let port = config.port != 0 ? config.port : try await freePort()
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        let logPath = config.stateDirectory + "/storm-emulator.log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw CommandError("cannot write \(logPath): \(String(cString: strerror(errno)))") }
        var arguments = ["serve", "--port", "\(port)"]
        if FileManager.default.fileExists(atPath: config.configFile) { arguments += ["--config", config.configFile] }
        let process: ChildProcess
        do {
            process = try await ChildProcess.spawn(ProcessSpec(
                executable: ownExecutable(), arguments: arguments,
                environment: ProcessInfo.processInfo.environment, workingDirectory: config.projectDirectory,
                output: .pipe, parentDeathSignal: SIGTERM))
        } catch {
            close(log)
            throw CommandError("no emulator answers and storm cannot start one: \(error)")
        }
        let copier = LogCopier(from: [process.standardOutput!, process.standardError!], to: log)
        let emulator = SelfStartedEmulator(
            target: StormTarget(loopbackPort: port), logPath: logPath, process: process, copier: copier)
        StandardError.line("storm: no emulator answers at \(emulator.target); starting one (serve \(arguments.dropFirst().joined(separator: " "))), log in \(logPath)")
        do {
            try await emulator.waitUntilReady(interruption: interruption)
        } catch {
            await emulator.stop()
            throw error
        }
        return emulator
    }

    /// Stops it: SIGTERM, and SIGKILL if it has not exited after ``stopTimeout``.
    func stop() async {
        guard process.exitStatus == nil else { return }
        StandardError.line("storm: stopping the emulator it started")
        process.signal(SIGTERM)
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [process] in
                _ = await process.waitForExit()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: Self.stopTimeout)
                return false
            }
            if await group.next() == false { process.signal(SIGKILL) }
            group.cancelAll()
        }
    }

    private func waitUntilReady(interruption: Interruption) async throws {
        let admin = AdminClient(target: target)
        do {
            try await waitForAnswer(from: admin, interruption: interruption)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
    }

    private func waitForAnswer(from admin: AdminClient, interruption: Interruption) async throws {
        let started = ContinuousClock.now
        while started.duration(to: .now) < Self.startTimeout {
            if interruption.isTriggered {
                StandardError.line("storm: interrupted while the emulator was starting")
                throw ExitCode(130)
            }
            if let status = process.exitStatus {
                await copier.drain()
                throw CommandError("the emulator storm started exited (\(status)) before answering; the end of \(logPath):\n\(logTail())")
            }
            if case .emulator = await admin.probe() {
                StandardError.line(String(format: "storm: the emulator answers (after %.1f s)", started.duration(to: .now).milliseconds / 1000))
                return
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        await copier.drain()
        throw CommandError("the emulator storm started did not answer within \(Self.startTimeout); the end of \(logPath):\n\(logTail())")
    }

    /// The last lines of the log.
    private func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The path of the running binary.
    private static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// A port on 127.0.0.1 that was free a moment ago.
    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        return channel.localAddress?.port ?? 0
    }
}
