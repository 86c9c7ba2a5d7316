import PostgresText

/// PostgreSQL text values as JSON values, when the request does not ask for
/// raw text (Neon's conversion): booleans, `int2`/`int4` and finite floats
/// become JSON booleans and numbers, `json`/`jsonb` their JSON, arrays of
/// built-in types JSON arrays; everything else (`int8` and `numeric`
/// included, which JSON numbers cannot hold exactly) stays a string.
enum TextToJSON {
    static func write(_ text: String, type: UInt32, into json: inout JSONWriter) {
        if let element = TypeOID.arrayElements[type], let array = ArrayLiteral.parse(text) {
            write(array, elementType: element, into: &json)
            return
        }
        switch type {
        case TypeOID.bool:
            json.bool(text == "t")
        case TypeOID.int2, TypeOID.int4:
            json.raw(text)
        case TypeOID.float4, TypeOID.float8:
            if let value = Double(text), value.isFinite { json.raw(text) } else { json.string(text) }
        case TypeOID.json, TypeOID.jsonb:
            json.raw(text)
        default:
            json.string(text)
        }
    }

    private static func write(_ array: ArrayLiteral, elementType: UInt32, into json: inout JSONWriter) {
        switch array {
        case .null:
            json.null()
        case .element(let text):
            write(text, type: elementType, into: &json)
        case .array(let elements):
            json.beginArray()
            for element in elements {
                json.separator()
                write(element, elementType: elementType, into: &json)
            }
            json.endArray()
        }
    }
}
