/// The client side of SCRAM-SHA-256, used to authenticate to the upstream
/// server as a workspace role. Works from cached keys, so a reconnect does not
/// pay the PBKDF2 cost again (and needs no plaintext once keys are derived).
public struct SCRAMClient: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        case malformedServerMessage
        case serverSignatureMismatch
        case iterationCountTooLow
    }

    /// Keys derived from a password for one salt and iteration count.
    public struct Keys: Sendable, Equatable {
        public var salt: [UInt8]
        public var iterations: Int
        public var clientKey: [UInt8]
        public var serverKey: [UInt8]

        public init(password: String, salt: [UInt8], iterations: Int) {
            let salted = SCRAMPrimitives.saltedPassword(password: password, salt: salt, iterations: iterations)
            self.salt = salt
            self.iterations = iterations
            self.clientKey = SCRAMPrimitives.clientKey(saltedPassword: salted)
            self.serverKey = SCRAMPrimitives.serverKey(saltedPassword: salted)
        }
    }

    private let clientNonce: String
    private var clientFirstBare: String { "n=,r=\(clientNonce)" }
    private static let gs2Header = "n,,"
    private var expectedServerSignature: [UInt8]?

    public init(clientNonce: String) {
        self.clientNonce = clientNonce
    }

    public var clientFirstMessage: [UInt8] { Array((Self.gs2Header + clientFirstBare).utf8) }

    /// What the server asked for, so the caller can derive (or reuse) keys.
    public struct ServerFirst: Sendable, Equatable {
        public var nonce: String
        public var salt: [UInt8]
        public var iterations: Int
        public var raw: String
    }

    public func parseServerFirst(_ data: [UInt8]) -> Result<ServerFirst, Failure> {
        guard let text = String(validating: data, as: UTF8.self) else { return .failure(.malformedServerMessage) }
        let attributes = text.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 3,
              attributes[0].hasPrefix("r="), attributes[1].hasPrefix("s="), attributes[2].hasPrefix("i="),
              let salt = SCRAMPrimitives.decodeBase64(attributes[1].dropFirst(2)),
              let iterations = Int(attributes[2].dropFirst(2))
        else { return .failure(.malformedServerMessage) }
        let nonce = String(attributes[0].dropFirst(2))
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else { return .failure(.malformedServerMessage) }
        guard iterations >= 1, iterations <= 10_000_000 else { return .failure(.iterationCountTooLow) }
        return .success(ServerFirst(nonce: nonce, salt: salt, iterations: iterations, raw: text))
    }

    /// Builds client-final-message and remembers the signature the server must send.
    public mutating func clientFinalMessage(serverFirst: ServerFirst, keys: Keys) -> [UInt8] {
        let binding = SCRAMPrimitives.base64(Array(Self.gs2Header.utf8))
        let withoutProof = "c=\(binding),r=\(serverFirst.nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst.raw),\(withoutProof)".utf8)
        let storedKey = SCRAMPrimitives.sha256(keys.clientKey)
        let signature = SCRAMPrimitives.hmac(key: storedKey, authMessage)
        let proof = SCRAMPrimitives.xor(keys.clientKey, signature)
        expectedServerSignature = SCRAMPrimitives.hmac(key: keys.serverKey, authMessage)
        return Array("\(withoutProof),p=\(SCRAMPrimitives.base64(proof))".utf8)
    }

    /// Checks the server's final message: the server proves it knew the verifier too.
    public func verifyServerFinal(_ data: [UInt8]) -> Result<Void, Failure> {
        guard let text = String(validating: data, as: UTF8.self), text.hasPrefix("v="),
              let signature = SCRAMPrimitives.decodeBase64(text.dropFirst(2).split(separator: ",").first ?? ""),
              let expected = expectedServerSignature
        else { return .failure(.malformedServerMessage) }
        return SCRAMPrimitives.constantTimeEquals(signature, expected) ? .success(()) : .failure(.serverSignatureMismatch)
    }
}
