import EmulatorConfig
import Foundation

/// The one-line live summary a terminal shows below the log.
enum TerminalSummary {
    /// `pooled · 12 instances (8 busy, 4 idle) · db 37/40 · pool 14 waiting · 520.0 req/s · 3.0 errors/s`.
    static func line(_ point: ChartPoint, mode: DatabaseMode) -> String {
        var parts = [
            mode.rawValue,
            "\(point.instances.total) instance\(point.instances.total == 1 ? "" : "s") (\(point.instances.busy) busy, \(point.instances.idle) idle"
                + (point.instances.starting > 0 ? ", \(point.instances.starting) starting)" : ")"),
        ]
        if let connections = point.databaseConnections {
            parts.append("db \(connections)/\(point.databaseMaxConnections.map(String.init) ?? "?")")
        }
        if let waiting = point.poolWaiting { parts.append("pool \(waiting) waiting") }
        parts.append(String(format: "%.1f req/s", point.requestsPerSecond))
        let errors = point.errorsPerSecond.values.reduce(0, +)
        if errors > 0 { parts.append(String(format: "%.1f errors/s", errors)) }
        return parts.joined(separator: " · ")
    }
}
