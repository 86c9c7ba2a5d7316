import Foundation
import NIOCore
import PostgresNIO
import PostgresText

/// Turns a value that came as PostgreSQL text (SQL over HTTP) into the cell
/// a PostgreSQL connection would have given: postgres-nio asks for binary
/// results, and several of its decoders (`Date`, `UUID`, arrays, bytes)
/// read only binary. So the types whose binary form is simple are
/// converted; the others (`numeric`, `interval`, ...) stay text, which
/// `String` (and `Decimal` for `numeric`) decode.
enum TextCell {
    static func cell(_ text: String?, type: UInt32, name: String, index: Int) -> PostgresCell {
        guard let text else {
            return PostgresCell(bytes: nil, dataType: PostgresDataType(type), format: .binary, columnName: name, columnIndex: index)
        }
        if let binary = binary(text, type: type) {
            return PostgresCell(bytes: binary, dataType: PostgresDataType(type), format: .binary, columnName: name, columnIndex: index)
        }
        return PostgresCell(
            bytes: ByteBuffer(string: text), dataType: PostgresDataType(type), format: .text, columnName: name, columnIndex: index)
    }

    /// The binary form of `text` of type `type`, nil when not converted.
    static func binary(_ text: String, type: UInt32) -> ByteBuffer? {
        var buffer = ByteBuffer()
        switch type {
        case TypeOID.bool:
            guard text == "t" || text == "f" else { return nil }
            buffer.writeInteger(UInt8(text == "t" ? 1 : 0))
        case TypeOID.int2:
            guard let value = Int16(text) else { return nil }
            buffer.writeInteger(value)
        case TypeOID.int4:
            guard let value = Int32(text) else { return nil }
            buffer.writeInteger(value)
        case TypeOID.oid:
            guard let value = UInt32(text) else { return nil }
            buffer.writeInteger(value)
        case TypeOID.int8:
            guard let value = Int64(text) else { return nil }
            buffer.writeInteger(value)
        case TypeOID.float4:
            guard let value = Float(text) else { return nil }
            buffer.writeInteger(value.bitPattern)
        case TypeOID.float8:
            guard let value = Double(text) else { return nil }
            buffer.writeInteger(value.bitPattern)
        case TypeOID.text, TypeOID.varchar, TypeOID.bpchar, TypeOID.name, TypeOID.json:
            buffer.writeString(text)
        case TypeOID.jsonb:
            buffer.writeInteger(UInt8(1))
            buffer.writeString(text)
        case TypeOID.uuid:
            guard let uuid = UUID(uuidString: text) else { return nil }
            buffer.writeBytes(withUnsafeBytes(of: uuid.uuid) { Array($0) })
        case TypeOID.bytea:
            guard let bytes = hexBytes(text) else { return nil }
            buffer.writeBytes(bytes)
        case TypeOID.date:
            switch text {
            case "infinity": buffer.writeInteger(Int32.max)
            case "-infinity": buffer.writeInteger(Int32.min)
            default:
                guard let days = PostgresCalendar.parse(text, dateOnly: true, withOffset: false),
                      let value = Int32(exactly: days) else { return nil }
                buffer.writeInteger(value)
            }
        case TypeOID.timestamp, TypeOID.timestamptz:
            switch text {
            case "infinity": buffer.writeInteger(Int64.max)
            case "-infinity": buffer.writeInteger(Int64.min)
            default:
                guard let micros = PostgresCalendar.parse(text, dateOnly: false, withOffset: type == TypeOID.timestamptz)
                else { return nil }
                buffer.writeInteger(micros)
            }
        default:
            guard let element = TypeOID.arrayElements[type] else { return nil }
            return binaryArray(text, element: element)
        }
        return buffer
    }

    /// A one-dimensional array in binary form (dimensions, null flag,
    /// element type, length and lower bound, then the elements), when every
    /// element converts; nil otherwise (multi-dimensional arrays included).
    private static func binaryArray(_ text: String, element: UInt32) -> ByteBuffer? {
        guard case .array(let items)? = ArrayLiteral.parse(text) else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(items.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(items.contains(.null) ? 1 : 0))
        buffer.writeInteger(element)
        guard !items.isEmpty else { return buffer }
        buffer.writeInteger(Int32(items.count))
        buffer.writeInteger(Int32(1))
        for item in items {
            switch item {
            case .null:
                buffer.writeInteger(Int32(-1))
            case .element(let text):
                guard var value = binary(text, type: element) else { return nil }
                buffer.writeInteger(Int32(value.readableBytes))
                buffer.writeBuffer(&value)
            case .array:
                return nil
            }
        }
        return buffer
    }

    /// The bytes of bytea's hex output (`\x0aff`).
    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.starts(with: Array("\\x".utf8)) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2 - 1)
        var index = 2
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
