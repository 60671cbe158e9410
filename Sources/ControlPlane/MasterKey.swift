import Crypto
import Foundation

/// The key that encrypts every role password the control store keeps.
///
/// Passwords must be stored recoverably (the proxy logs in to the upstream
/// with them), so they are sealed with AES-256-GCM: a stolen control database
/// is useless without this key, and any change to a sealed value is detected
/// when it is opened. The key comes from the environment or a protected file,
/// never from the command line (operations.md).
public struct MasterKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The alphabet of generated passwords: URL-safe and safe in a connection
    /// string, a shell line and a `.env` file without quoting.
    static let passwordAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    private let key: SymmetricKey

    /// Decodes a base64 key of exactly 32 bytes (`openssl rand -base64 32`).
    public init(base64: String) throws {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else {
            throw ControlPlaneError.invalidConfiguration("the master key is not valid base64")
        }
        guard data.count == 32 else {
            throw ControlPlaneError.invalidConfiguration(
                "the master key must decode to 32 bytes (AES-256), got \(data.count)"
            )
        }
        self.key = SymmetricKey(data: data)
    }

    /// Wraps an existing 256-bit key.
    public init(key: SymmetricKey) throws {
        guard key.bitCount == 256 else {
            throw ControlPlaneError.invalidConfiguration(
                "the master key must be 256 bits, got \(key.bitCount)"
            )
        }
        self.key = key
    }

    /// A fresh random key, for development environments and tests.
    public static func generate() -> MasterKey {
        // A freshly generated 256-bit key always passes the size check.
        MasterKey(unchecked: SymmetricKey(size: .bits256))
    }

    private init(unchecked key: SymmetricKey) {
        self.key = key
    }

    /// The key in the form `init(base64:)` reads, for writing a dev env file.
    public var base64: String {
        key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Encrypts `plaintext`: the result is nonce (12 bytes) + ciphertext + tag
    /// (16 bytes). `context` is authenticated but not stored: binding a
    /// password to its row (workspace and role) means a sealed value copied
    /// into another row no longer opens.
    public func seal(_ plaintext: String, context: String = "") throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else {
            // Only nonces of a non-standard size have no combined form.
            throw ControlPlaneError.invalidConfiguration("AES-GCM produced no combined representation")
        }
        return Array(combined)
    }

    /// Decrypts what `seal` produced with the same `context`; throws
    /// `ControlPlaneError.decryptionFailed` for a wrong key, a wrong context
    /// or altered bytes.
    public func open(_ sealed: [UInt8], context: String = "") throws -> String {
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            plaintext = try AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
        } catch {
            throw ControlPlaneError.decryptionFailed
        }
        guard let text = String(data: plaintext, encoding: .utf8) else {
            throw ControlPlaneError.decryptionFailed
        }
        return text
    }

    /// Compares two secrets in time that depends only on their lengths, so a
    /// caller comparing a presented key hash cannot be timed byte by byte.
    @inline(never)
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }

    /// A random password of `length` characters from `[A-Za-z0-9]`
    /// (40 characters carry about 238 bits).
    ///
    /// Each character comes from one random byte; bytes at or above 248 (the
    /// largest multiple of 62 that fits) are thrown away and drawn again, so
    /// every character is exactly equally likely: a plain `byte % 62` would
    /// favour the first 8 characters. A non-positive length gives "".
    public static func randomPassword(length: Int = 40) -> String {
        guard length > 0 else { return "" }
        var generator = SystemRandomNumberGenerator()
        let alphabet = passwordAlphabet
        let limit = UInt8(256 - 256 % alphabet.count)
        var result: [UInt8] = []
        result.reserveCapacity(length)
        while result.count < length {
            var word = generator.next() as UInt64
            for _ in 0..<8 where result.count < length {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < limit {
                    result.append(alphabet[Int(byte) % alphabet.count])
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `count` random bytes, for SCRAM salts.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<max(count, 0)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    public var description: String { "MasterKey(<redacted>)" }
    public var debugDescription: String { description }
}
