/// The client side of one SCRAM-SHA-256 exchange with the upstream server
/// (package access: the SQL-over-HTTP endpoint logs in to the pool with it).
package struct SCRAMClientExchange {
    /// Why the exchange failed.
    package enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        case serverRejected(String)
        case badServerSignature

        package var description: String {
            switch self {
            case .malformed(let message): return "malformed SCRAM message from the server: \(message)"
            case .serverRejected(let message): return "the server rejected SCRAM authentication: \(message)"
            case .badServerSignature: return "the server's SCRAM signature is wrong (is it the expected server?)"
            }
        }
    }

    private let clientNonce = Base64.encode(SCRAMPrimitives.randomBytes(18))
    private var expectedServerSignature: [UInt8] = []

    private var clientFirstBare: String { "n=,r=\(clientNonce)" }

    /// Starts an exchange with a fresh nonce.
    package init() {}

    /// The client-first-message.
    package var clientFirst: String { "n,," + clientFirstBare }

    /// Takes the server-first-message, returns the client-final-message. `saltedPassword`
    /// derives (or recalls) the salted password for a salt and iteration count.
    package mutating func receiveServerFirst(
        _ message: String,
        saltedPassword: (_ salt: [UInt8], _ iterations: Int) -> [UInt8]
    ) throws(Failure) -> String {
        let attributes = SCRAMPrimitives.attributes(message)
        guard let nonce = attributes["r"], nonce.hasPrefix(clientNonce) else {
            throw .malformed("nonce missing or not extending ours")
        }
        guard let saltText = attributes["s"], let salt = Base64.decode(saltText) else { throw .malformed("salt missing") }
        guard let iterationText = attributes["i"], let iterations = Int(iterationText), iterations > 0 else {
            throw .malformed("iteration count missing")
        }
        let salted = saltedPassword(salt, iterations)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(message),\(withoutProof)".utf8)
        let clientKey = SCRAMPrimitives.clientKey(salted: salted)
        let storedKey = SCRAMPrimitives.sha256(clientKey)
        let proof = SCRAMPrimitives.xor(clientKey, SCRAMPrimitives.hmac(key: storedKey, authMessage))
        expectedServerSignature = SCRAMPrimitives.hmac(key: SCRAMPrimitives.serverKey(salted: salted), authMessage)
        return "\(withoutProof),p=\(Base64.encode(proof))"
    }

    /// Checks the server-final-message.
    package func receiveServerFinal(_ message: String) throws(Failure) {
        let attributes = SCRAMPrimitives.attributes(message)
        if let error = attributes["e"] { throw .serverRejected(String(error)) }
        guard let verifier = attributes["v"], let signature = Base64.decode(verifier) else {
            throw .malformed("server signature missing")
        }
        guard SCRAMPrimitives.equal(signature, expectedServerSignature) else { throw .badServerSignature }
    }
}
