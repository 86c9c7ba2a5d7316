import NIOCore
import Synchronization

/// Hands every published Server-Sent Event to every subscriber. A subscriber
/// that reads too slowly misses events (the newest are kept), never grows the host's memory.
final class EventBroadcaster: Sendable {
    /// Events kept for a subscriber that has not read them yet.
    static let backlog = 32

    private let state = Mutex(State())

    private struct State {
        var subscribers: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
        var nextID = 0
        var closed = false
    }

    /// A new subscriber's stream, starting with `first`.
    func subscribe(first: ByteBuffer) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(Self.backlog))
        continuation.yield(first)
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Whether anyone listens.
    var hasSubscribers: Bool { state.withLock { !$0.subscribers.isEmpty } }

    /// Sends `event` to every subscriber.
    func publish(_ event: ByteBuffer) {
        for subscriber in state.withLock({ Array($0.subscribers.values) }) { subscriber.yield(event) }
    }

    /// Ends every stream and refuses new ones (the host is stopping).
    func close() {
        let subscribers = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}

/// The framing of one Server-Sent Event.
enum ServerSentEvent {
    /// `event: <name>` (when named) and `data: <data>`, ended by a blank line; `data` holds no newline.
    static func frame(name: String? = nil, data: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let name { buffer.writeString("event: \(name)\n") }
        buffer.writeString("data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }
}
