/// Writes compact JSON into bytes, keeping the order things are written in
/// (and duplicate column names, as Neon's endpoint does).
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the container being written has no element yet.
    private var isFirst = [true]

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }
    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts an object member.
    mutating func key(_ name: String) {
        separator()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Writes the comma before an array element (object members get theirs from ``key(_:)``).
    mutating func separator() {
        if isFirst[isFirst.count - 1] {
            isFirst[isFirst.count - 1] = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    mutating func null() { bytes += Array("null".utf8) }
    mutating func bool(_ value: Bool) { bytes += Array((value ? "true" : "false").utf8) }
    mutating func integer(_ value: Int) { bytes += Array(String(value).utf8) }
    /// Text that already is JSON (a number's text, a json column's value).
    mutating func raw(_ text: some StringProtocol) { bytes += Array(text.utf8) }

    mutating func string(_ text: some StringProtocol) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func open(_ byte: UInt8) {
        bytes.append(byte)
        isFirst.append(true)
    }

    private mutating func close(_ byte: UInt8) {
        bytes.append(byte)
        isFirst.removeLast()
    }
}
