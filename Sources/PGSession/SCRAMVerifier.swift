/// What a server keeps to check a SCRAM-SHA-256 password without keeping the
/// password: PostgreSQL's `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
public struct SCRAMVerifier: Sendable, Equatable {
    public var iterations: Int
    public var salt: [UInt8]
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    public init(iterations: Int, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    public init(password: String, salt: [UInt8], iterations: Int = 4096) {
        let salted = SCRAMPrimitives.saltedPassword(password: password, salt: salt, iterations: iterations)
        self.iterations = iterations
        self.salt = salt
        self.storedKey = SCRAMPrimitives.sha256(SCRAMPrimitives.clientKey(saltedPassword: salted))
        self.serverKey = SCRAMPrimitives.serverKey(saltedPassword: salted)
    }

    /// Parses PostgreSQL's text form; nil when it is anything else.
    public init?(encoded: String) {
        guard encoded.hasPrefix("SCRAM-SHA-256$") else { return nil }
        let body = encoded.dropFirst("SCRAM-SHA-256$".count)
        let halves = body.split(separator: "$", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let left = halves[0].split(separator: ":", omittingEmptySubsequences: false)
        let right = halves[1].split(separator: ":", omittingEmptySubsequences: false)
        guard left.count == 2, right.count == 2,
              let iterations = Int(left[0]), iterations > 0, iterations <= 10_000_000,
              let salt = SCRAMPrimitives.decodeBase64(left[1]),
              let storedKey = SCRAMPrimitives.decodeBase64(right[0]), storedKey.count == 32,
              let serverKey = SCRAMPrimitives.decodeBase64(right[1]), serverKey.count == 32
        else { return nil }
        self.init(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey)
    }

    public var encoded: String {
        "SCRAM-SHA-256$\(iterations):\(SCRAMPrimitives.base64(salt))$"
            + "\(SCRAMPrimitives.base64(storedKey)):\(SCRAMPrimitives.base64(serverKey))"
    }

    /// A verifier for a user that does not exist, derived from `secret` and the
    /// user name so that repeated attempts see the same salt: the exchange then
    /// looks and costs the same as for a real user, and fails at the proof.
    public static func decoy(user: String, secret: [UInt8]) -> SCRAMVerifier {
        let salt = Array(SCRAMPrimitives.hmac(key: secret, Array("salt:\(user)".utf8)).prefix(16))
        let stored = SCRAMPrimitives.hmac(key: secret, Array("stored:\(user)".utf8))
        let server = SCRAMPrimitives.hmac(key: secret, Array("server:\(user)".utf8))
        return SCRAMVerifier(iterations: 4096, salt: salt, storedKey: stored, serverKey: server)
    }
}
