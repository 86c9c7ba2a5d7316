import Foundation
import NIOCore

/// The small JSON objects the host writes itself: error bodies of the front
/// door and of the Runtime API.
enum JSONBody {
    /// `object` as JSON, keys sorted.
    static func object(_ object: [String: String]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }
}
