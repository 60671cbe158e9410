/// A workspace identifier: `^[a-z][a-z0-9_]{0,62}$` (api.md).
///
/// Validated once at the edge so every later layer can build server names
/// (`ws_<id>`, `ws_<id>_customer`) from it without quoting concerns.
public struct WorkspaceID: Hashable, Sendable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init?(_ raw: String) {
        guard Self.isValid(raw) else { return nil }
        self.rawValue = raw
    }

    public static func isValid(_ raw: String) -> Bool {
        let bytes = Array(raw.utf8)
        guard let first = bytes.first, bytes.count <= 63, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return bytes.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: "_")
        }
    }

    public var description: String { rawValue }

    /// The database on the upstream server that holds this workspace.
    public var databaseName: String { "ws_\(serverStem)" }

    /// The server role of `kind` for this workspace.
    public func roleName(_ kind: RoleKind) -> String { "ws_\(serverStem)_\(kind.rawValue)" }

    /// The NOLOGIN role that owns the workspace database and its managed schemas.
    public var ownerRoleName: String { "ws_\(serverStem)_owner" }

    /// The longest id used verbatim in server names: `ws_<id>_customer`
    /// must fit PostgreSQL's 63-byte identifiers, which the server would
    /// otherwise truncate silently (making `_customer` and `_runtime` of a
    /// long id the same role).
    public static let longestVerbatimStem = 63 - "ws_".utf8.count - "_customer".utf8.count

    /// What stands for the workspace in its server names: the id itself up to
    /// `longestVerbatimStem` (51) characters; a longer id (api.md allows 63)
    /// keeps its first 38 characters, then `_` and 12 hex digits of a 64-bit
    /// FNV-1a hash of the whole id (51 characters). The control store refuses
    /// a new id whose stem another workspace already has.
    public var serverStem: String {
        let bytes = Array(rawValue.utf8)
        guard bytes.count > Self.longestVerbatimStem else { return rawValue }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var stem = Array(bytes.prefix(Self.longestVerbatimStem - 13))
        stem.append(UInt8(ascii: "_"))
        // The hash's low 48 bits, most significant first.
        LowercaseHex.append(withUnsafeBytes(of: hash.bigEndian) { Array($0.suffix(6)) }, to: &stem)
        return String(decoding: stem, as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard Self.isValid(raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid workspace id")
        }
        self.rawValue = raw
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
