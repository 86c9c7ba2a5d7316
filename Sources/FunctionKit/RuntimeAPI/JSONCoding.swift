#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore

/// JSON in and out of the Runtime API. FoundationEssentials gives JSON coding
/// without the rest of Foundation (no ICU), which keeps cold starts short.
enum JSONCoding {
    /// Decodes a `T` from the JSON in `buffer`.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }

    /// Encodes `value` as JSON with sorted keys (stable output) and unescaped slashes.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
