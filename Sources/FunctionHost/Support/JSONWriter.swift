import NIOCore

/// Writes JSON text straight into a `ByteBuffer`: the event of every
/// invocation is written this way, without an `Encoder`'s intermediate values.
///
/// ```swift
/// var writer = JSONWriter()
/// writer.object { object in
///     object.field("version", "2.0")
///     object.field("isBase64Encoded", false)
/// }
/// ```
struct JSONWriter {
    /// The JSON written so far.
    private(set) var buffer: ByteBuffer
    /// Whether the object being written has no field yet (no comma before the next).
    private var atFirstField = true

    init(capacity: Int = 1024) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
    }

    /// Writes an object whose fields `body` writes.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        let outer = atFirstField
        atFirstField = true
        buffer.writeInteger(UInt8(ascii: "{"))
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        atFirstField = outer
    }

    /// A field holding an object whose fields `body` writes.
    mutating func field(_ key: String, object body: (inout JSONWriter) -> Void) {
        self.key(key)
        object(body)
    }

    /// A string field; none when `value` is nil.
    mutating func field(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    mutating func field(_ key: String, _ value: Int64) {
        self.key(key)
        buffer.writeString(String(value))
    }

    mutating func field(_ key: String, _ value: Bool) {
        self.key(key)
        buffer.writeString(value ? "true" : "false")
    }

    /// An array of strings; none when `value` is nil.
    mutating func field(_ key: String, _ value: [String]?) {
        guard let value else { return }
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, element) in value.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            string(element)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// An object of string values, keys sorted; none when `value` is nil.
    mutating func field(_ key: String, _ value: [String: String]?) {
        guard let value else { return }
        field(key) { object in
            for (name, text) in value.sorted(by: { $0.key < $1.key }) { object.field(name, text) }
        }
    }

    private mutating func key(_ key: String) {
        if !atFirstField { buffer.writeInteger(UInt8(ascii: ",")) }
        atFirstField = false
        string(key)
        buffer.writeInteger(UInt8(ascii: ":"))
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    private mutating func string(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var plainStart = text.utf8.startIndex
        for index in text.utf8.indices {
            let byte = text.utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.writeBytes(text.utf8[plainStart..<index])
            switch byte {
            case UInt8(ascii: "\""): buffer.writeString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeString("\\n")
            case UInt8(ascii: "\r"): buffer.writeString("\\r")
            case UInt8(ascii: "\t"): buffer.writeString("\\t")
            default:
                let hex = String(byte, radix: 16)
                buffer.writeString("\\u00" + (hex.count < 2 ? "0" : "") + hex)
            }
            plainStart = text.utf8.index(after: index)
        }
        buffer.writeBytes(text.utf8[plainStart...])
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
