import Foundation
import Testing

/// The dashboard's server side: the page, the live event stream and the storms started from it.
@Suite struct DashboardTests {
    @Test func thePageAndItsFilesAreServedWithoutAnythingFromElsewhere() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        for path in ["/_emulator/", "/_emulator"] {
            let (status, body, headers) = try await host.request("GET", path)
            #expect(status == 200)
            #expect(headers["content-type"] == "text/html; charset=utf-8")
            let html = String(decoding: body, as: UTF8.self)
            #expect(html.contains(#"<script src="/_emulator/dashboard.js""#))
            #expect(!html.contains("http://") && !html.contains("https://"), "no CDN")
        }
        let script = try await host.request("GET", "/_emulator/dashboard.js")
        #expect(script.status == 200)
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(String(decoding: script.body, as: UTF8.self).contains(#"new EventSource("/_emulator/events")"#))
        let style = try await host.request("GET", "/_emulator/dashboard.css")
        #expect(style.status == 200)
        #expect(String(decoding: style.body, as: UTF8.self).contains("prefers-color-scheme: dark"))
    }

    @Test func theEventStreamSendsTheHistoryThenASnapshotEveryTick() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow", "routes": ["GET /slow"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 { group.addTask { try await host.request("GET", "/slow?ms=200").status } }
            for try await status in group { #expect(status == 200) }
        }

        let (head, events) = try await EventStreamReader.read(port: host.port, path: "/_emulator/events") { $0.count >= 5 }
        #expect(head.hasPrefix("HTTP/1.1 200"))
        #expect(head.lowercased().contains("content-type: text/event-stream"))
        try #require(events.count >= 5, "\(events.count) events arrived")
        #expect(events[0].name == "history")
        let history = events[0].object
        #expect(history["routes"] as? [[String: String]] == [["function": "slow", "route": "GET /slow"]])
        #expect((history["intervalMs"] as? Double ?? 0) > 0)

        #expect(events.dropFirst().allSatisfy { $0.name == nil })
        let coldStarts = try await host.stats("slow")["coldStarts"] as? Int
        let snapshots = events.dropFirst().map(\.object)
        var previousTime = 0.0
        for snapshot in snapshots {
            let stats = try #require(snapshot["stats"] as? [String: Any])
            #expect(stats["mode"] as? String == "pooled")
            let slow = (stats["functions"] as? [String: Any])?["slow"] as? [String: Any]
            #expect(slow?["invocations"] as? Int == 3)
            let point = try #require(snapshot["point"] as? [String: Any])
            let time = try #require(point["time"] as? Double)
            #expect(time > previousTime)
            previousTime = time
            #expect((point["instances"] as? [String: Int])?["total"] == coldStarts)
            #expect(((snapshot["rates"] as? [String: Any])?["functions"] as? [String: Any])?["slow"] != nil)
            #expect((snapshot["storm"] as? [String: Any])?["state"] as? String == "idle")
            #expect(snapshot["feed"] is [Any])
        }

        // The three invocations are in the recent feed of the history or in a tick's feed, once each.
        let feed = ((history["feed"] as? [[String: Any]]) ?? []) + snapshots.flatMap { $0["feed"] as? [[String: Any]] ?? [] }
        #expect(feed.count == 3, "\(feed)")
        for entry in feed {
            #expect(entry["function"] as? String == "slow")
            #expect(entry["status"] as? Int == 200)
            #expect(entry["cause"] is NSNull)
            #expect((entry["durationMs"] as? Double ?? 0) >= 200)
        }
        #expect(feed.filter { $0["cold"] as? Bool == true }.count == coldStarts)
        let points = ((history["points"] as? [[String: Any]]) ?? []) + snapshots.compactMap { $0["point"] as? [String: Any] }
        #expect(points.contains { ($0["requestsPerSecond"] as? Double ?? 0) > 0 }, "the tick after the requests counts them")
        #expect(points.contains { ($0["p50Ms"] as? Double ?? 0) >= 200 })

        // A page opened now draws the minutes before at once.
        let later = try await EventStreamReader.read(port: host.port, path: "/_emulator/events") { !$0.isEmpty }
        let kept = try #require(later.events.first?.object["points"] as? [[String: Any]])
        #expect(later.events.first?.name == "history")
        #expect(kept.count >= snapshots.count)
    }

    @Test func aStormStartedFromTheAdminSurfaceRunsOneAtATimeAndReportsItsResult() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow", "routes": ["GET /slow"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        // 8 requests of 300 ms over 2 callers take at least 1.2 s: the second start comes while it runs.
        let body = Data(#"{"method": "get", "path": "/slow?ms=300", "concurrency": 2, "requests": 8}"#.utf8)
        let (status, started) = try await host.json("POST", "/_emulator/storm", body: body)
        #expect(status == 202)
        #expect(started["state"] as? String == "running")
        let request = try #require(started["request"] as? [String: Any])
        #expect(request["method"] as? String == "GET")
        #expect(request["path"] as? String == "/slow?ms=300")
        #expect(request["concurrency"] as? Int == 2)
        #expect(request["requests"] as? Int == 8)
        #expect(request["compare"] as? Bool == false)
        let (again, refusal) = try await host.json("POST", "/_emulator/storm", body: body)
        #expect(again == 409)
        #expect((refusal["message"] as? String)?.contains("a storm is running") == true)

        var storm: [String: Any] = [:]
        #expect(try await HostProcess.eventually(60) {
            storm = try await host.json("GET", "/_emulator/storm").object
            return storm["state"] as? String != "running"
        })
        #expect(storm["state"] as? String == "finished", "\(storm)")
        let report = try #require(storm["report"] as? [String: Any])
        #expect(report["requests"] as? Int == 8)
        #expect(report["succeeded"] as? Int == 8)
        #expect(report["failed"] as? Int == 0)
        #expect((report["p50Ms"] as? Double ?? 0) >= 300)
        #expect((storm["finishedAt"] as? Double ?? 0) >= (storm["startedAt"] as? Double ?? .infinity))
        #expect(try await host.stats("slow")["invocations"] as? Int == 8)
        #expect(host.log.contains("[storm] GET /slow?ms=300: 2 concurrent callers, 8 requests"))

        // Once it is over, the next one may start.
        let (next, _) = try await host.json("POST", "/_emulator/storm", body: Data(#"{"path": "/slow?ms=1", "concurrency": 1, "requests": 1}"#.utf8))
        #expect(next == 202)
        #expect(try await HostProcess.eventually(60) { try await host.json("GET", "/_emulator/storm").object["state"] as? String == "finished" })
    }

    @Test func badStormRequestsAre400AndStartNothing() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo", "routes": ["GET /echo"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let cases: [(body: String, message: String)] = [
            ("not json", "expected a JSON object"),
            (#"["GET", "/echo"]"#, "expected a JSON object"),
            (#"{"path": "/nowhere", "concurrency": 2, "requests": 5}"#, "no function serves GET /nowhere"),
            (#"{"method": "POST", "path": "/echo", "concurrency": 2, "requests": 5}"#, "no function serves POST /echo"),
            (#"{"path": "echo", "concurrency": 2, "requests": 5}"#, #""path" must be a path starting with /"#),
            (#"{"concurrency": 2, "requests": 5}"#, #""path" must be a path starting with /"#),
            (#"{"path": "/echo", "concurrency": 0, "requests": 5}"#, #""concurrency" must be a whole number from 1 to 5000"#),
            (#"{"path": "/echo", "concurrency": 2.5, "requests": 5}"#, #""concurrency" must be a whole number"#),
            (#"{"path": "/echo", "concurrency": 2, "requests": "5"}"#, #""requests" must be a whole number"#),
            (#"{"path": "/echo", "concurrency": 2}"#, #""requests" must be a whole number"#),
            (#"{"path": "/echo", "concurrency": 2, "requests": 5, "compare": 1}"#, #""compare" must be true or false"#),
            (#"{"path": "/echo", "concurrency": 2, "requests": 5, "method": "G T"}"#, #""method" must be an HTTP method"#),
            (#"{"path": "/echo", "concurrency": 2, "requests": 5, "body": "{}"}"#, #"unknown key "body""#),
        ]
        for (body, message) in cases {
            let (status, answer) = try await host.json("POST", "/_emulator/storm", body: Data(body.utf8))
            #expect(status == 400, "\(body)")
            #expect((answer["message"] as? String)?.contains(message) == true, "\(body): \(answer)")
        }
        #expect(try await host.json("GET", "/_emulator/storm").object["state"] as? String == "idle")
        #expect(try await host.stats("echo")["invocations"] as? Int == 0)
    }

    @Test func anAdminEndpointAskedWithTheWrongMethodAnswers405() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body, headers) = try await host.request("GET", "/_emulator/mode")
        #expect(status == 405)
        #expect(headers["allow"] == "POST")
        let answer = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect((answer?["message"] as? String)?.contains("/_emulator/mode answers POST") == true)
        #expect(try await host.request("DELETE", "/_emulator/stats").status == 405)
    }
}
