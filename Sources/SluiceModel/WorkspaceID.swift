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
    public var databaseName: String { "ws_\(rawValue)" }

    /// The server role of `kind` for this workspace.
    public func roleName(_ kind: RoleKind) -> String { "ws_\(rawValue)_\(kind.rawValue)" }

    /// The NOLOGIN role that owns the workspace database and its managed schemas.
    public var ownerRoleName: String { "ws_\(rawValue)_owner" }

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
