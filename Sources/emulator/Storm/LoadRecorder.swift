import Synchronization

/// Collects the samples of a storm's callers, and the counts the progress display shows.
final class LoadRecorder: Sendable {
    private let state = Mutex<(samples: [LoadSample], failed: Int)>(([], 0))

    /// Adds a finished request.
    func record(_ sample: LoadSample) {
        state.withLock { state in
            state.samples.append(sample)
            if sample.failure != nil { state.failed += 1 }
        }
    }

    /// Requests finished so far, and how many of them failed.
    var progress: (done: Int, failed: Int) {
        state.withLock { ($0.samples.count, $0.failed) }
    }

    /// Every sample recorded so far.
    var samples: [LoadSample] {
        state.withLock { $0.samples }
    }
}
