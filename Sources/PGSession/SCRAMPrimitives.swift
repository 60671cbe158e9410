import Crypto
import Foundation

/// The SCRAM-SHA-256 arithmetic of RFC 5802 / RFC 7677, shared by the server
/// side (authenticating clients) and the client side (authenticating upstream).
public enum SCRAMPrimitives {
    /// `Hi()` of RFC 5802: PBKDF2 with HMAC-SHA-256 and one output block.
    public static func saltedPassword(password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = salt
        block.append(contentsOf: [0, 0, 0, 1])
        var u = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
        var result = u
        var round = 1
        while round < max(iterations, 1) {
            u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for index in result.indices { result[index] ^= u[index] }
            round += 1
        }
        return result
    }

    public static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }

    public static func clientKey(saltedPassword: [UInt8]) -> [UInt8] {
        hmac(key: saltedPassword, Array("Client Key".utf8))
    }

    public static func serverKey(saltedPassword: [UInt8]) -> [UInt8] {
        hmac(key: saltedPassword, Array("Server Key".utf8))
    }

    public static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }

    /// Compares without an early exit, so the time taken does not depend on
    /// where two secrets first differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    public static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Canonical base64 only (RFC 5802's `base64`): Foundation's decoder also
    /// takes surplus padding and non-zero trailing bits, so one value would
    /// have many spellings; what does not encode back to itself is refused.
    public static func decodeBase64(_ text: Substring) -> [UInt8]? {
        let string = String(text)
        guard let data = Data(base64Encoded: string), data.base64EncodedString() == string else { return nil }
        return Array(data)
    }

    /// A printable nonce (RFC 5802 forbids ',' in it): base64 of random bytes.
    public static func makeNonce<G: RandomNumberGenerator>(byteCount: Int = 18, using generator: inout G) -> String {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return base64(bytes)
    }

    /// The `tls-server-end-point` channel binding of RFC 5929: the hash of the
    /// server certificate, with SHA-256 standing in for MD5 and SHA-1.
    public static func tlsServerEndPoint(certificateDER: [UInt8]) -> [UInt8] {
        // Every certificate we serve is signed with SHA-256 or weaker-mapped-up;
        // a SHA-384/512 signature would need that hash (RFC 5929 section 4.1).
        sha256(certificateDER)
    }
}
