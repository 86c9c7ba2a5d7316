import ArgumentParser
import EmulatorConfig
import Foundation
import NIOCore
import NIOHTTP1

/// `emulator storm [METHOD] PATH`: fire concurrent callers at an emulator and
/// report requests, failures by cause, latency, instances, cold starts and
/// database connections; with `--compare`, pooled and direct side by side,
/// and SQL over HTTP as a third way when the route's function uses it.
struct StormCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storm",
        abstract: "Fire concurrent requests at the emulator and report what happened, per database mode.",
        usage: """
            emulator storm [METHOD] PATH --concurrency N (--requests M | --duration SECONDS) \
            [--target URL] [--compare] [--compare-http] [--json] [--config PATH] [--body JSON]
            """,
        discussion: """
            Without --target, storm aims at http://127.0.0.1:<port of runtime.json>, and starts \
            that emulator itself (log in .emulator/storm-emulator.log) when none answers, stopping \
            it afterwards. --compare runs the same load in pooled and then in direct mode \
            (instances recycled in between), then in http mode (SQL over HTTP through the pool) \
            when the route's function has "database": "http" in runtime.json or --compare-http \
            is given, and restores the mode that was active. Failed \
            requests are counted by cause (X-Emulator-Failure, else http-<status>, \
            connection-error, client-timeout); they are results, so storm exits 0. Ctrl-C stops \
            the storm, prints what was measured so far and exits 130.
            """)

    @Argument(help: ArgumentHelp(
        "The request: [METHOD] PATH, e.g. `GET /users` or `/users` (METHOD defaults to GET).",
        valueName: "method-and-path"))
    var route: [String] = []

    @Option(help: "Concurrent callers, each on its own keep-alive connection.")
    var concurrency: Int

    @Option(help: "Requests to send in total (per mode with --compare).")
    var requests: Int?

    @Option(help: ArgumentHelp("Send for this many seconds instead of a number of requests.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp(
        "The emulator to aim at (default: http://127.0.0.1:<port of runtime.json>).", valueName: "url"))
    var target: String?

    @Flag(help: "Run the same load pooled, then direct, and show the two side by side.")
    var compare = false

    @Flag(help: "With --compare (implied), also run the load by SQL over HTTP (http mode) as a third column.")
    var compareHTTP = false

    @Flag(help: "Print the report as JSON: one object, or {\"pooled\": {...}, \"direct\": {...}} with --compare (and \"http\").")
    var json = false

    @Option(help: ArgumentHelp("A JSON request body, sent as application/json.", valueName: "json"))
    var body: String?

    @OptionGroup var project: ProjectOptions

    func validate() throws {
        guard (1...2).contains(route.count) else {
            throw ValidationError("give the request as [METHOD] PATH, e.g. `storm GET /users`")
        }
        guard route.last!.hasPrefix("/") else {
            throw ValidationError("the path must start with /, got \"\(route.last!)\"")
        }
        if route.count == 2, route[0].isEmpty || !route[0].allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw ValidationError("\"\(route[0])\" is not an HTTP method")
        }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        switch (requests, duration) {
        case (nil, nil): throw ValidationError("give --requests M or --duration SECONDS")
        case (.some, .some): throw ValidationError("give --requests or --duration, not both")
        case (let requests?, nil) where requests < 1: throw ValidationError("--requests must be at least 1")
        case (nil, let duration?) where !(duration > 0): throw ValidationError("--duration must be more than 0 seconds")
        default: break
        }
        if let body, (try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])) == nil {
            throw ValidationError("--body is not valid JSON")
        }
        if let target {
            do { _ = try StormTarget(url: target) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        DescriptorLimit.raise()
        let interruption = Interruption.trappingSignals()
        let (target, initial, emulator) = try await resolveTarget(interruption: interruption)
        let runner = StormRunner(
            target: target, request: loadRequest, concurrency: concurrency, limit: limit, interruption: interruption)
        let modes = comparing ? ["pooled", "direct"] + (compareHTTP || routeUsesHTTP() ? ["http"] : []) : []
        do {
            let reports = try await StormSession(runner: runner, modes: modes, initialMode: initial.mode).run()
            try print(reports: reports, target: target)
        } catch {
            await emulator?.stop()
            throw error
        }
        await emulator?.stop()
        if interruption.isTriggered { throw ExitCode(130) }
    }

    private var comparing: Bool { compare || compareHTTP }

    /// Whether the project's runtime.json gives the function serving the
    /// route `"database": "http"` (false when the project cannot be read).
    private func routeUsesHTTP() -> Bool {
        guard let config = try? project.load(), let functions = try? discoverFunctions(config: config),
              let match = RouteTable(functions).match(method: loadRequest.method.rawValue, path: loadRequest.path)
        else { return false }
        return config.settings(for: match.function).database == .http
    }

    /// `--target`; else the project's emulator, started when none answers.
    private func resolveTarget(
        interruption: Interruption
    ) async throws -> (StormTarget, EmulatorStats, SelfStartedEmulator?) {
        if let target {
            let target = try StormTarget(url: target)
            return (target, try await stats(at: target), nil)
        }
        let config = try project.load()
        if config.port != 0 {
            let target = StormTarget(loopbackPort: config.port)
            switch await AdminClient(target: target).probe() {
            case .emulator(let stats): return (target, stats, nil)
            case .somethingElse(let what):
                throw CommandError("something other than the emulator answers at \(target) (\(what)); stop it or pass --target")
            case .nothing: break
            }
        }
        let emulator = try await SelfStartedEmulator.start(config: config, interruption: interruption)
        do {
            return (emulator.target, try await stats(at: emulator.target), emulator)
        } catch {
            await emulator.stop()
            throw error
        }
    }

    private func stats(at target: StormTarget) async throws -> EmulatorStats {
        let admin = AdminClient(target: target)
        let probe = await admin.probe()
        await admin.close()
        switch probe {
        case .emulator(let stats): return stats
        case .nothing(let reason): throw CommandError("no emulator answers at \(target): \(reason)")
        case .somethingElse(let what): throw CommandError("no emulator at \(target): \(what)")
        }
    }

    private var loadRequest: LoadGenerator.Request {
        LoadGenerator.Request(
            method: HTTPMethod(rawValue: route.count == 2 ? route[0].uppercased() : "GET"),
            path: route.last!,
            body: body.map { ByteBuffer(string: $0) })
    }

    private var limit: RequestBudget.Limit {
        if let requests { return .requests(requests) }
        return .duration(.milliseconds(Int64(duration! * 1000)))
    }

    /// The report on standard output: JSON, or the table with its conclusion.
    private func print(reports: [StormReport], target: StormTarget) throws {
        let request = "\(loadRequest.method.rawValue) \(loadRequest.path)"
        let amount = requests.map { "\($0) requests" } ?? "for \(duration!) s"
        let table = ReportTable(
            request: request,
            load: "\(concurrency) concurrent callers, \(amount)\(comparing ? " per mode" : "") at \(target)",
            reports: reports)
        guard !reports.isEmpty else {
            StandardError.line("storm: interrupted before any request was sent")
            return
        }
        guard json else {
            Swift.print(table.render())
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = comparing
            ? try encoder.encode(Dictionary(uniqueKeysWithValues: reports.map { ($0.mode, $0) }))
            : try encoder.encode(reports[0])
        Swift.print(String(decoding: data, as: UTF8.self))
        if reports.contains(where: \.interrupted) {
            StandardError.line("storm: interrupted; the report covers what was measured until then")
        }
        for line in table.conclusion() { StandardError.line(line) }
    }
}
