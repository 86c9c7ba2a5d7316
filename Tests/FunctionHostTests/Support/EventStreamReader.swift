import Foundation

/// One Server-Sent Event: its `event:` name (nil for a plain message) and its `data:`.
struct ReceivedEvent: Sendable {
    let name: String?
    let data: String

    /// `data` parsed as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }
}

/// Reads a Server-Sent Events stream over a plain TCP connection, as any HTTP
/// client would: a GET request, then the events as they arrive.
enum EventStreamReader {
    /// Opens `path` on 127.0.0.1:`port` and returns the response head and the
    /// events read until `enough` says so or `seconds` have passed.
    static func read(
        port: Int, path: String, seconds: Double = 30, until enough: @escaping @Sendable ([ReceivedEvent]) -> Bool
    ) async throws -> (head: String, events: [ReceivedEvent]) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try readBlocking(port: port, path: path, seconds: seconds, until: enough) })
            }
        }
    }

    private static func readBlocking(
        port: Int, path: String, seconds: Double, until enough: ([ReceivedEvent]) -> Bool
    ) throws -> (head: String, events: [ReceivedEvent]) {
        let fd = try RawSocket.connect(port: port, receiveTimeout: timeval(tv_sec: 0, tv_usec: 200_000))
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }

        let deadline = Date().addingTimeInterval(seconds)
        var received: [UInt8] = []
        var head: String?
        var events: [ReceivedEvent] = []
        var pendingName: String?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline, !enough(events) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 { continue }  // the receive timeout: look at the deadline again
            received += buffer[0..<count]
            if head == nil, let end = find([13, 10, 13, 10], in: received) {
                head = String(decoding: received[..<end], as: UTF8.self)
                received.removeSubrange(..<(end + 4))
            }
            guard head != nil else { continue }
            while let newline = received.firstIndex(of: 10) {
                let line = String(decoding: received[..<newline], as: UTF8.self)
                received.removeSubrange(...newline)
                if line.hasPrefix("event: ") {
                    pendingName = String(line.dropFirst(7))
                } else if line.hasPrefix("data: ") {
                    events.append(ReceivedEvent(name: pendingName, data: String(line.dropFirst(6))))
                    pendingName = nil
                }
            }
        }
        return (head ?? "", events)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}
