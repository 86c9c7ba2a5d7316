import Foundation
import NIOCore

/// Looks at the host a few times a second for the dashboard: each tick turns
/// the stats and the requests since the previous tick into a chart point
/// (kept in the history), a snapshot for every `GET /_emulator/events`
/// subscriber, and the terminal's live summary line.
final class LiveStats: Sendable {
    /// Time between ticks.
    let interval: Duration
    private let collect: @Sendable () async -> HostStats
    private let activity: ActivityLog
    private let storm: StormControl
    private let sink: LogSink
    private let history: ChartHistory
    private let broadcaster = EventBroadcaster()
    /// The routes served now, for the storm form: they change when runtime.json does.
    private let routes: @Sendable () -> [(function: String, route: String)]

    init(
        interval: Duration = .milliseconds(500), historyDuration: Duration = .seconds(300),
        routes: @escaping @Sendable () -> [(function: String, route: String)], activity: ActivityLog, storm: StormControl, sink: LogSink,
        collect: @escaping @Sendable () async -> HostStats
    ) {
        self.interval = interval
        history = ChartHistory(capacity: max(1, Int(historyDuration / interval)))
        self.routes = routes
        self.activity = activity
        self.storm = storm
        self.sink = sink
        self.collect = collect
    }

    /// Ticks until cancelled, then removes the summary line.
    func run() async {
        let clock = ContinuousClock()
        var previous = clock.now
        var next = previous + interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            let now = clock.now
            next = max(next + interval, now)
            await tick(seconds: (now - previous) / .seconds(1))
            previous = now
        }
        sink.showStatus(nil)
    }

    private func tick(seconds: Double) async {
        let stats = await collect()
        let window = activity.takeWindow()
        let point = ChartPoint(stats: stats, window: window, seconds: seconds)
        history.append(point)
        sink.showStatus(TerminalSummary.line(point, mode: stats.mode))
        guard broadcaster.hasSubscribers else { return }
        let functions = Dictionary(uniqueKeysWithValues: stats.functions.keys.map { name in
            (name, [
                "requestsPerSecond": ChartPoint.rate(window.requests[name] ?? 0, seconds),
                "errorsPerSecond": ChartPoint.rate(window.failures[name] ?? 0, seconds),
            ])
        })
        let snapshot: [String: Any] = [
            "time": point.time,
            "stats": stats.json,
            "point": point.json,
            "rates": ["functions": functions],
            "feed": window.feed.map(\.json),
            "storm": storm.json,
            "routes": routeList,
        ]
        broadcaster.publish(ServerSentEvent.frame(data: Self.encode(snapshot)))
    }

    /// A subscriber's events: first `event: history` (the kept points, the
    /// recent invocations, the routes), then a snapshot every tick (with the
    /// routes again, so a function added by hot reload appears in the form).
    func events() -> AsyncStream<ByteBuffer> {
        let history: [String: Any] = [
            "intervalMs": interval / .milliseconds(1),
            "points": self.history.points.map(\.json),
            "feed": activity.recent.map(\.json),
            "routes": routeList,
            "storm": storm.json,
        ]
        return broadcaster.subscribe(first: ServerSentEvent.frame(name: "history", data: Self.encode(history)))
    }

    /// `{"function": ..., "route": "GET /users"}` for each route served now.
    private var routeList: [[String: String]] {
        routes().map { ["function": $0.function, "route": $0.route] }
    }

    /// Ends every event stream (the host is stopping).
    func close() {
        broadcaster.close()
    }

    private static func encode(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
