import Synchronization

/// The last minutes of chart points, so that a page opened now draws them at once.
final class ChartHistory: Sendable {
    private let capacity: Int
    private let state = Mutex<(points: [ChartPoint], next: Int)>(([], 0))

    /// A history of at most `capacity` points (the oldest are dropped).
    init(capacity: Int) {
        self.capacity = capacity
    }

    func append(_ point: ChartPoint) {
        state.withLock { state in
            if state.points.count < capacity {
                state.points.append(point)
            } else {
                state.points[state.next] = point
            }
            state.next = (state.next + 1) % capacity
        }
    }

    /// Every point kept, oldest first.
    var points: [ChartPoint] {
        state.withLock { state in Array(state.points[state.next...] + state.points[..<state.next]) }
    }
}
