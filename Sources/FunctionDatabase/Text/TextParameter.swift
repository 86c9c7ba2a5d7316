import Foundation
import NIOCore
import PostgresNIO
import PostgresText

/// Turns a parameter as postgres-nio encodes it (mostly binary) into the
/// PostgreSQL text that SQL over HTTP carries.
enum TextParameter {
    /// The text of `parameter`, nil for NULL.
    /// - Throws: ``DatabaseError/client(reason:)`` for a binary type it does not know.
    static func text(_ parameter: EncodedParameter) throws(DatabaseError) -> String? {
        guard var bytes = parameter.bytes, parameter.type != .null else { return nil }
        if parameter.format == .text { return String(buffer: bytes) }
        guard let text = text(&bytes, type: parameter.type.rawValue) else {
            throw .client(reason: "a parameter of PostgreSQL type \(parameter.type) cannot be sent over SQL over HTTP; pass it as a String")
        }
        return text
    }

    private static func text(_ bytes: inout ByteBuffer, type: UInt32) -> String? {
        switch type {
        case TypeOID.bool:
            return bytes.readInteger(as: UInt8.self).map { $0 == 0 ? "f" : "t" }
        case TypeOID.int2:
            return bytes.readInteger(as: Int16.self).map(String.init)
        case TypeOID.int4:
            return bytes.readInteger(as: Int32.self).map(String.init)
        case TypeOID.oid:
            return bytes.readInteger(as: UInt32.self).map(String.init)
        case TypeOID.int8:
            return bytes.readInteger(as: Int64.self).map(String.init)
        case TypeOID.float4:
            return bytes.readInteger(as: UInt32.self).map { "\(Float(bitPattern: $0))" }
        case TypeOID.float8:
            return bytes.readInteger(as: UInt64.self).map { "\(Double(bitPattern: $0))" }
        case TypeOID.text, TypeOID.varchar, TypeOID.bpchar, TypeOID.name, TypeOID.json:
            return bytes.readString(length: bytes.readableBytes)
        case TypeOID.jsonb:
            guard bytes.readInteger(as: UInt8.self) == 1 else { return nil }
            return bytes.readString(length: bytes.readableBytes)
        case TypeOID.uuid:
            return try? UUID(from: &bytes, type: .uuid, format: .binary, context: .default).uuidString
        case TypeOID.bytea:
            return "\\x" + bytes.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case TypeOID.numeric:
            return (try? Decimal(from: &bytes, type: .numeric, format: .binary, context: .default)).map { "\($0)" }
        case TypeOID.date:
            return bytes.readInteger(as: Int32.self).map { PostgresCalendar.format(days: Int($0)) }
        case TypeOID.timestamp:
            return bytes.readInteger(as: Int64.self).map { PostgresCalendar.format(microseconds: $0) }
        case TypeOID.timestamptz:
            return bytes.readInteger(as: Int64.self).map { PostgresCalendar.format(microseconds: $0) + "+00" }
        default:
            guard TypeOID.arrayElements[type] != nil else { return nil }
            return arrayText(&bytes)
        }
    }

    /// `{...}` of a one-dimensional binary array, its elements quoted.
    private static func arrayText(_ bytes: inout ByteBuffer) -> String? {
        guard let (dimensions, _, element) = bytes.readMultipleIntegers(as: (Int32, Int32, UInt32).self) else { return nil }
        guard dimensions == 1 else { return dimensions == 0 ? "{}" : nil }
        guard let (count, _) = bytes.readMultipleIntegers(as: (Int32, Int32).self) else { return nil }
        var items: [String] = []
        for _ in 0..<max(count, 0) {
            guard let length = bytes.readInteger(as: Int32.self) else { return nil }
            guard length >= 0 else {
                items.append("NULL")
                continue
            }
            guard var value = bytes.readSlice(length: Int(length)), let text = text(&value, type: element) else { return nil }
            items.append("\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}
