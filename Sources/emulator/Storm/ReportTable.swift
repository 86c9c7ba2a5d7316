import Foundation

/// The human-readable report: one column per mode, failures by cause with
/// what they mean, and a conclusion in words.
struct ReportTable {
    /// `GET /users`.
    let request: String
    /// `120 callers, 600 requests per mode`, for the title.
    let load: String
    let reports: [StormReport]

    /// The table and the conclusion, ready to print.
    func render() -> String {
        var lines = ["storm \(request): \(load)"]
        if let interrupted = reports.first(where: \.interrupted) {
            lines.append("interrupted after \(Self.seconds(interrupted.wallSeconds)) (Ctrl-C): the numbers cover what was measured until then")
        }
        lines.append("")
        lines.append(row("", reports.map(\.mode)))
        lines.append(row("requests", reports.map { "\($0.requests)" }))
        lines.append(row("succeeded", reports.map { "\($0.succeeded)" }))
        lines.append(row("failed", reports.map { "\($0.failed)" }))
        for cause in causes() {
            let counts = reports.map { report in report.failuresByCause[cause].map { "\($0)" } ?? "-" }
            lines.append(row("  " + cause, counts, note: StormFailure.explanation(of: cause)))
        }
        lines.append(row("latency p50", reports.map { Self.milliseconds($0.p50Ms) }))
        lines.append(row("latency p95", reports.map { Self.milliseconds($0.p95Ms) }))
        lines.append(row("latency p99", reports.map { Self.milliseconds($0.p99Ms) }))
        lines.append(row("peak instances", reports.map { "\($0.peakInstances)" }))
        lines.append(row("cold starts", reports.map { "\($0.coldStarts)" }))
        lines.append(row("peak db connections", reports.map(Self.databaseConnections)))
        lines.append(row("db connections opened", reports.map { $0.databaseConnectionsOpened.map { "\($0)" } ?? "-" }))
        lines.append(row("wall time", reports.map { Self.seconds($0.wallSeconds) }))
        lines.append("")
        lines += conclusion()
        return lines.joined(separator: "\n")
    }

    /// The conclusion in words: per mode what failed and why, or that nothing
    /// did and how many database connections it took; a path nobody serves;
    /// a mode switched by someone else meanwhile.
    func conclusion() -> [String] {
        var lines: [String] = []
        if reports.contains(where: { $0.failuresByCause["http-404"] != nil }) {
            lines.append("no function answers \(request) (404)")
        }
        let failingFirst = reports.filter { $0.failed > 0 } + reports.filter { $0.failed == 0 }
        lines.append(failingFirst.map(Self.summary).joined(separator: "; "))
        for report in reports where report.modesSeen.count > 1 {
            lines.append("note: the mode changed during the \(report.mode) run (\(report.modesSeen.joined(separator: " -> ")))")
        }
        return lines
    }

    private static func summary(_ report: StormReport) -> String {
        guard report.requests > 0 else { return "\(report.mode): no request finished" }
        guard report.failed > 0 else {
            guard let peak = report.peakDatabaseConnections else { return "\(report.mode): none failed" }
            let limit = report.databaseMaxConnections.map { " (max_connections \($0))" } ?? ""
            return "\(report.mode): none failed, database connections peaked at \(peak)\(limit)"
        }
        let ranked = report.failuresByCause.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let top = ranked[0].key
        var text = "\(report.mode): \(report.failed) of \(report.requests) requests failed: "
        if top == "sqlstate-53300" {
            let limit = report.databaseMaxConnections.map { " \($0)" } ?? ""
            text += "the database refused connections beyond max_connections\(limit) (SQLSTATE 53300)"
        } else {
            text += StormFailure.explanation(of: top).map { "\($0) (\(top))" } ?? top
        }
        if ranked.count > 1 {
            text += ranked.count == 2 ? ", and 1 other cause" : ", and \(ranked.count - 1) other causes"
        }
        return text
    }

    /// Every cause in any report, the most frequent first.
    private func causes() -> [String] {
        var totals: [String: Int] = [:]
        for report in reports {
            for (cause, count) in report.failuresByCause { totals[cause, default: 0] += count }
        }
        return totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }

    private func row(_ title: String, _ values: [String], note: String? = nil) -> String {
        let width = max(12, reports.map(\.mode.count).max() ?? 0) + 2
        var line = title + String(repeating: " ", count: max(1, 22 - title.count))
        for value in values { line += String(repeating: " ", count: max(1, width - value.count)) + value }
        if let note { line += "   " + note }
        return line
    }

    private static func databaseConnections(_ report: StormReport) -> String {
        guard let peak = report.peakDatabaseConnections else { return "-" }
        return report.databaseMaxConnections.map { "\(peak) of \($0)" } ?? "\(peak)"
    }

    private static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 100 ? String(format: "%.1f ms", value) : String(format: "%.0f ms", value)
    }

    private static func seconds(_ value: Double) -> String {
        String(format: "%.2f s", value)
    }
}
