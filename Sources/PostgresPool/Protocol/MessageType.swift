/// Message type bytes of the PostgreSQL v3 protocol the pool looks at.
enum MessageType {
    // Frontend (client -> server)
    static let bind: UInt8 = UInt8(ascii: "B")
    static let close: UInt8 = UInt8(ascii: "C")
    static let copyData: UInt8 = UInt8(ascii: "d")
    static let copyDone: UInt8 = UInt8(ascii: "c")
    static let copyFail: UInt8 = UInt8(ascii: "f")
    static let describe: UInt8 = UInt8(ascii: "D")
    static let execute: UInt8 = UInt8(ascii: "E")
    static let flush: UInt8 = UInt8(ascii: "H")
    static let functionCall: UInt8 = UInt8(ascii: "F")
    static let parse: UInt8 = UInt8(ascii: "P")
    static let password: UInt8 = UInt8(ascii: "p")
    static let query: UInt8 = UInt8(ascii: "Q")
    static let sync: UInt8 = UInt8(ascii: "S")
    static let terminate: UInt8 = UInt8(ascii: "X")

    // Backend (server -> client)
    static let authentication: UInt8 = UInt8(ascii: "R")
    static let backendKeyData: UInt8 = UInt8(ascii: "K")
    static let errorResponse: UInt8 = UInt8(ascii: "E")
    static let noticeResponse: UInt8 = UInt8(ascii: "N")
    static let parameterStatus: UInt8 = UInt8(ascii: "S")
    static let readyForQuery: UInt8 = UInt8(ascii: "Z")
    static let copyInResponse: UInt8 = UInt8(ascii: "G")
    static let parseComplete: UInt8 = UInt8(ascii: "1")
    static let bindComplete: UInt8 = UInt8(ascii: "2")
    static let closeComplete: UInt8 = UInt8(ascii: "3")
    static let noData: UInt8 = UInt8(ascii: "n")
    static let parameterDescription: UInt8 = UInt8(ascii: "t")
    static let rowDescription: UInt8 = UInt8(ascii: "T")
    static let commandComplete: UInt8 = UInt8(ascii: "C")
    static let emptyQueryResponse: UInt8 = UInt8(ascii: "I")
    static let portalSuspended: UInt8 = UInt8(ascii: "s")
    static let dataRow: UInt8 = UInt8(ascii: "D")
    static let notificationResponse: UInt8 = UInt8(ascii: "A")
    static let negotiateProtocolVersion: UInt8 = UInt8(ascii: "v")

    /// Whether `type` is a message a client may send after startup.
    static func isFrontend(_ type: UInt8) -> Bool {
        switch type {
        case bind, close, copyData, copyDone, copyFail, describe, execute, flush, functionCall,
             parse, password, query, sync, terminate:
            return true
        default:
            return false
        }
    }
}

/// Request codes of the untyped packets a client may send first.
enum StartupCode {
    static let protocol3: Int32 = 196_608            // 3.0
    static let sslRequest: Int32 = 80_877_103
    static let gssEncRequest: Int32 = 80_877_104
    static let cancelRequest: Int32 = 80_877_102
}

/// SQLSTATE codes the pool itself reports.
enum SQLState {
    static let protocolViolation = "08P01"
    static let connectionFailure = "08006"
    static let adminShutdown = "57P01"
    static let featureNotSupported = "0A000"
    static let tooManyConnections = "53300"
    static let invalidPassword = "28P01"
    static let invalidAuthorization = "28000"
    static let invalidCatalogName = "3D000"
    static let internalError = "XX000"
    static let warning = "01000"
    static let inFailedTransaction = "25P02"
    static let queryCanceled = "57014"
}
