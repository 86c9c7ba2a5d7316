import Foundation
import Logging

/// A swift-log handler that writes through the ``LogSink``, so the host's
/// logger lines take the sink's format and never break its live summary line.
public struct SinkLogHandler: LogHandler {
    private let label: String
    private let sink: LogSink
    /// Metadata added to every message.
    public var metadata: Logger.Metadata = [:]
    /// The least severe level written.
    public var logLevel: Logger.Level = .info

    /// A handler for loggers named `label`.
    public init(label: String, sink: LogSink) {
        self.label = label
        self.sink = sink
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one message: `<time> <level> <label> : [metadata] message` as text,
    /// or a JSON line whose source is `host`.
    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let details = all.isEmpty ? "" : all.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ") + " "
        let message = details + event.message.description + (event.error.map { " (\($0))" } ?? "")
        sink.write(message, level: event.level.rawValue, source: "host", text: {
            let time = Date().ISO8601Format(.iso8601WithTimeZone(includingFractionalSeconds: false))
            return "\(time) \(event.level) \(label) : \(message)"
        }())
    }
}
