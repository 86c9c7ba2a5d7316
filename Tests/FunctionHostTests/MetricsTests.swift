import Foundation
import Testing
import TestSupport

/// `GET /_emulator/metrics`: the Prometheus text format a Prometheus server scrapes.
@Suite struct MetricsTests {
    /// The value of the sample `series` (name and labels exactly as printed), nil when absent.
    private func value(_ series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    private func scrape(_ host: HostProcess) async throws -> String {
        let (status, body, headers) = try await host.request("GET", "/_emulator/metrics")
        #expect(status == 200)
        #expect(headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        return String(decoding: body, as: UTF8.self)
    }

    @Test func invocationsFailuresDurationsInstancesPoolAndDatabaseAreScraped() async throws {
        let databasePort = try freePort()
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"], "fail": ["handler": "fail"]],
            extra: [
                "database": ["managed": ["port": databasePort, "maxConnections": 12]],
                "pool": ["port": try freePort(), "maxServerConnections": 3],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let before = try await scrape(host)
        #expect(value(#"emulator_invocations_total{function="echo",start="cold"}"#, in: before) == nil)
        #expect(value(#"emulator_mode{mode="pooled"}"#, in: before) == 1)
        #expect(value(#"emulator_mode{mode="direct"}"#, in: before) == 0)
        #expect(value(#"emulator_mode{mode="http"}"#, in: before) == 0)

        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(try await host.request("GET", "/fail").status == 502)
        #expect(try await host.request("GET", "/fail").status == 502)

        var text = ""
        #expect(try await HostProcess.eventually(15) {
            text = try await scrape(host)
            return value("emulator_database_max_connections", in: text) == 12
        }, "the sampler's figures reach the gauges:\n\(text)")
        #expect(value(#"emulator_invocations_total{function="echo",start="cold"}"#, in: text) == 1)
        #expect(value(#"emulator_invocations_total{function="echo",start="warm"}"#, in: text) == 1)
        #expect(value(#"emulator_invocations_total{function="fail",start="cold"}"#, in: text) == 1)
        #expect(value(#"emulator_failures_total{function="fail",cause="function-error"}"#, in: text) == 2)
        #expect(value(#"emulator_invocation_duration_seconds_count{function="echo",start="warm"}"#, in: text) == 1)
        #expect(value(#"emulator_invocation_duration_seconds_bucket{function="echo",start="warm",le="+Inf"}"#, in: text) == 1)
        let seconds = try #require(value(#"emulator_invocation_duration_seconds_sum{function="echo",start="cold"}"#, in: text))
        #expect(seconds > 0 && seconds < 30)
        #expect(value(#"emulator_instances{function="echo",state="idle"}"#, in: text) == 1)
        #expect(value(#"emulator_instances{function="echo",state="busy"}"#, in: text) == 0)
        #expect(value(#"emulator_instances{function="fail",state="idle"}"#, in: text) == 1)
        #expect(value("emulator_pool_waiting_clients", in: text) == 0)
        #expect(value("emulator_pool_server_connections_max", in: text) == 3)
        #expect(value(#"emulator_pool_server_connections{state="active"}"#, in: text) != nil)
        #expect(value("emulator_pool_transactions_total", in: text) != nil)
        #expect(value("emulator_database_connections", in: text) != nil)
        for family in [
            "emulator_invocations_total counter", "emulator_failures_total counter",
            "emulator_invocation_duration_seconds histogram", "emulator_instances gauge",
            "emulator_database_connections gauge", "emulator_pool_waiting_clients gauge",
        ] {
            #expect(text.contains("# TYPE \(family)\n"), "\(family)")
        }

        #expect(try await host.request("GET", "/echo").status == 200)
        #expect(try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8)).status == 200)
        let after = try await scrape(host)
        #expect(value(#"emulator_mode{mode="direct"}"#, in: after) == 1)
        #expect(value(#"emulator_instances{function="echo",state="idle"}"#, in: after) == 0, "recycled by the switch")
        #expect(value(#"emulator_invocations_total{function="echo",start="warm"}"#, in: after) == 2, "values move")
    }

    @Test func httpModeIsAModeOfTheGauge() async throws {
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: [
                "mode": "http",
                "database": ["managed": ["port": try freePort(), "maxConnections": 12]],
                "pool": ["port": try freePort(), "maxServerConnections": 3],
                "sqlOverHTTP": ["port": try freePort()],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let text = try await scrape(host)
        #expect(value(#"emulator_mode{mode="http"}"#, in: text) == 1, "\(text)")
        #expect(value(#"emulator_mode{mode="pooled"}"#, in: text) == 0)
        #expect(value(#"emulator_mode{mode="direct"}"#, in: text) == 0)
    }

    @Test func throttledRequestsAreCountedAsFailuresByCause() async throws {
        let project = try TestProject(functions: ["slow": ["handler": "slow", "maxConcurrency": 1]])
        let host = try await HostProcess.start(configFile: project.configFile)
        // Busy for seconds, so that a loaded machine still finds it busy at the second request.
        async let first = host.request("GET", "/slow?ms=6000")
        #expect(try await HostProcess.eventually { try await host.instances("slow", "busy") == 1 })
        #expect(try await host.request("GET", "/slow").status == 429)
        #expect(try await first.status == 200)
        let text = try await scrape(host)
        #expect(value(#"emulator_failures_total{function="slow",cause="throttled"}"#, in: text) == 1)
        #expect(value(#"emulator_invocations_total{function="slow",start="cold"}"#, in: text) == 1)
        #expect(value(#"emulator_invocations_total{function="slow",start="warm"}"#, in: text) == nil)
        #expect(value("emulator_database_connections", in: text) == nil, "no database, no database gauges")
    }
}
