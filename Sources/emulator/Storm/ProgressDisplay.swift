import Foundation

/// Shows how a storm is going on standard error: a bar redrawn ten times a
/// second on a terminal (requests done of the total, failures, elapsed
/// time), otherwise a plain line every two seconds.
struct ProgressDisplay: Sendable {
    let mode: String
    let limit: RequestBudget.Limit
    let recorder: LoadRecorder
    let started: ContinuousClock.Instant

    /// Draws until the task is cancelled, then draws the final state once more.
    func run() async {
        let interval: Duration = StandardError.isTerminal ? .milliseconds(100) : .seconds(2)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            draw(final: false)
        }
        draw(final: true)
    }

    private func draw(final: Bool) {
        let (done, failed) = recorder.progress
        let elapsed = started.duration(to: .now).milliseconds / 1000
        let fraction: Double
        let count: String
        switch limit {
        case .requests(let total):
            fraction = Double(done) / Double(total)
            count = "\(done)/\(total) requests"
        case .duration(let duration):
            fraction = elapsed / (duration.milliseconds / 1000)
            count = "\(done) requests"
        }
        let status = "\(count), \(failed) failed, \(String(format: "%.1f", elapsed)) s"
        guard StandardError.isTerminal else {
            StandardError.line("\(mode): \(status)")
            return
        }
        let width = 30
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        StandardError.write("\r\u{1B}[2K\(mode) [\(bar)] \(status)" + (final ? "\n" : ""))
    }
}
