import Crypto
import Foundation

/// The text form of workspace API keys: `sluice_<id>_<secret>`.
///
/// The id in the key lets the store find the row with one indexed lookup;
/// the secret makes it unguessable (40 characters of `[A-Za-z0-9]`, about
/// 238 bits). Only the SHA-256 of the whole key is stored: a fast hash is
/// enough because the secret is random and long, not a password a person
/// chose, so nothing can be gained by trying candidates against the hash.
public enum APIKeyToken {
    static let prefix = "sluice_"
    /// Lower-case so that ids are safe in paths and log lines.
    static let idAlphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    static let idLength = 16
    static let secretLength = 40

    /// A new random key id: a version-4 UUID in lower case (the data-queries
    /// document calls `deployed_by` "UUID of the API key"). Keys issued
    /// before were `ak` and 16 lower-case letters or digits; they stay valid.
    static func makeID() -> String {
        UUID().uuidString.lowercased()
    }

    /// A new key for the row `id`.
    static func makeKey(id: String) -> String {
        prefix + id + "_" + MasterKey.randomPassword(length: secretLength)
    }

    /// The row id a presented key names, or nil when it is not of our form
    /// (then it cannot be a key, and no lookup is needed to say so).
    public static func id(of key: String) -> String? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, isValidID(String(parts[0])), parts[1].utf8.count == secretLength,
              parts[1].utf8.allSatisfy({ isAlphanumeric($0) })
        else { return nil }
        return String(parts[0])
    }

    /// Whether `id` could name a key: a lower-case UUID, or (keys issued
    /// before ids were UUIDs) `ak` and 16 lower-case letters or digits.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        if bytes.count == 36 {
            return bytes.enumerated().allSatisfy { index, byte in
                [8, 13, 18, 23].contains(index)
                    ? byte == UInt8(ascii: "-")
                    : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            }
        }
        guard bytes.count == 2 + idLength, bytes[0] == UInt8(ascii: "a"), bytes[1] == UInt8(ascii: "k") else {
            return false
        }
        return bytes.dropFirst(2).allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// What the store keeps of a key.
    static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
