/// What the pool stores to check SCRAM-SHA-256 logins: derived once from the configured
/// password with a random salt, like a PostgreSQL `pg_authid` SCRAM secret.
struct SCRAMVerifier: Sendable {
    let salt: [UInt8]
    let iterations: Int
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    init(password: String, iterations: Int = SCRAMPrimitives.defaultIterations) {
        let salt = SCRAMPrimitives.randomBytes(16)
        let salted = SCRAMPrimitives.saltedPassword(password: password, salt: salt, iterations: iterations)
        self.salt = salt
        self.iterations = iterations
        self.storedKey = SCRAMPrimitives.sha256(SCRAMPrimitives.clientKey(salted: salted))
        self.serverKey = SCRAMPrimitives.serverKey(salted: salted)
    }
}

/// The server side of one SCRAM-SHA-256 exchange with a client.
struct SCRAMServerExchange {
    enum Failure: Error {
        /// The client's messages do not follow SCRAM (reported as a protocol violation).
        case malformed(String)
        /// The proof does not match: wrong password.
        case wrongPassword
    }

    private let verifier: SCRAMVerifier
    private var clientFirstBare = ""
    private var serverFirst = ""
    private var gs2Header = ""
    private var nonce = ""

    init(verifier: SCRAMVerifier) {
        self.verifier = verifier
    }

    /// Takes the client-first-message, returns the server-first-message.
    mutating func receiveClientFirst(_ message: String) throws(Failure) -> String {
        // gs2-header: cbind-flag "," [authzid] ","
        let parts = message.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("malformed SCRAM message (missing GS2 header)") }
        switch parts[0] {
        case "n", "y": break
        case let flag where flag.hasPrefix("p="):
            throw .malformed("channel binding is not supported by this pool (no TLS); use channel_binding=disable or prefer")
        default:
            throw .malformed("malformed SCRAM message (unexpected channel-binding flag \"\(parts[0])\")")
        }
        gs2Header = "\(parts[0]),\(parts[1]),"
        clientFirstBare = String(parts[2])
        let attributes = SCRAMPrimitives.attributes(clientFirstBare)
        guard let clientNonce = attributes["r"], !clientNonce.isEmpty else {
            throw .malformed("malformed SCRAM message (missing nonce)")
        }
        nonce = String(clientNonce) + Base64.encode(SCRAMPrimitives.randomBytes(18))
        serverFirst = "r=\(nonce),s=\(Base64.encode(verifier.salt)),i=\(verifier.iterations)"
        return serverFirst
    }

    /// Takes the client-final-message, checks the proof, returns the server-final-message.
    func receiveClientFinal(_ message: String) throws(Failure) -> String {
        // The proof is the last attribute: "c=...,r=...,p=..."
        var parts = message.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count >= 3, let proofPart = parts.popLast(), proofPart.hasPrefix("p=") else {
            throw .malformed("malformed SCRAM message (missing proof)")
        }
        let withoutProof = parts.joined(separator: ",")
        let attributes = SCRAMPrimitives.attributes(withoutProof)
        guard let binding = attributes["c"], Base64.decode(binding) == Array(gs2Header.utf8) else {
            throw .malformed("malformed SCRAM message (unexpected channel-binding data)")
        }
        guard attributes["r"].map(String.init) == nonce else {
            throw .malformed("malformed SCRAM message (nonce does not match)")
        }
        guard let proof = Base64.decode(proofPart.dropFirst(2)), proof.count == 32 else {
            throw .malformed("malformed SCRAM message (malformed proof)")
        }
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = SCRAMPrimitives.hmac(key: verifier.storedKey, authMessage)
        let clientKey = SCRAMPrimitives.xor(proof, clientSignature)
        guard SCRAMPrimitives.equal(SCRAMPrimitives.sha256(clientKey), verifier.storedKey) else {
            throw .wrongPassword
        }
        return "v=" + Base64.encode(SCRAMPrimitives.hmac(key: verifier.serverKey, authMessage))
    }
}
