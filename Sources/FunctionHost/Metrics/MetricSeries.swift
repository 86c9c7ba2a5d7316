import Synchronization

/// The swift-metrics handles of one kind (counters, timers, gauges) by name
/// and labels, each made once: making one goes through the backend's registry.
final class MetricSeries<Handle: Sendable>: Sendable {
    private let make: @Sendable (_ label: String, _ dimensions: [(String, String)]) -> Handle
    private let handles = Mutex<[Key: Handle]>([:])

    private struct Key: Hashable {
        let name: String
        let labels: [String]
    }

    /// A cache that makes missing handles with `make` (e.g. `Counter.init(label:dimensions:)`).
    init(_ make: @escaping @Sendable (_ label: String, _ dimensions: [(String, String)]) -> Handle) {
        self.make = make
    }

    /// The handle of `name` with `labels` (name and value pairs, in the order given).
    func callAsFunction(_ name: String, _ labels: (String, String)...) -> Handle {
        let key = Key(name: name, labels: labels.flatMap { [$0.0, $0.1] })
        return handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make(name, labels)
            handles[key] = handle
            return handle
        }
    }
}
