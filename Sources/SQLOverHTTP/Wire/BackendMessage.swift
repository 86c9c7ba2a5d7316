import NIOCore

/// One message from the server (here: the pool): its type byte and its body
/// without the length word.
struct BackendMessage: Sendable {
    var type: UInt8
    var body: ByteBuffer

    static let authentication = UInt8(ascii: "R")
    static let parameterStatus = UInt8(ascii: "S")
    static let backendKeyData = UInt8(ascii: "K")
    static let readyForQuery = UInt8(ascii: "Z")
    static let errorResponse = UInt8(ascii: "E")
    static let noticeResponse = UInt8(ascii: "N")
    static let notificationResponse = UInt8(ascii: "A")
    static let parseComplete = UInt8(ascii: "1")
    static let bindComplete = UInt8(ascii: "2")
    static let rowDescription = UInt8(ascii: "T")
    static let noData = UInt8(ascii: "n")
    static let dataRow = UInt8(ascii: "D")
    static let commandComplete = UInt8(ascii: "C")
    static let emptyQueryResponse = UInt8(ascii: "I")

    /// The authentication request code of an `R` message, nil for other messages.
    var authenticationCode: Int32? {
        guard type == Self.authentication else { return nil }
        return body.getInteger(at: body.readerIndex, as: Int32.self)
    }
}

/// Splits the byte stream from the server into messages.
struct BackendMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = BackendMessage

    /// Bodies longer than this are taken for a broken stream, not a message.
    static let maximumLength = 1 << 30

    /// The stream could not be split into messages.
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "the pool sent a message with an impossible length" }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let (type, length) = buffer.getMultipleIntegers(at: buffer.readerIndex, as: (UInt8, Int32).self) else {
            return .needMoreData
        }
        guard length >= 4, Int(length) - 4 <= Self.maximumLength else { throw Malformed() }
        guard buffer.readableBytes >= Int(length) + 1 else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 5)
        let body = buffer.readSlice(length: Int(length) - 4)!
        context.fireChannelRead(wrapInboundOut(BackendMessage(type: type, body: body)))
        return .continue
    }
}
