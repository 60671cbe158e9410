import Foundation

/// The answer of `rotate`: `{"kind", "rotated_at", "uri"}` (api.md), and
/// `terminated_sessions` only when the request asked for `terminate_sessions`.
public struct RotateBody: Encodable, Sendable {
    public var kind: String
    public var rotatedAt: Date
    /// The new URI; the old password already fails at the proxy.
    public var uri: String
    /// Open sessions ended because of `terminate_sessions` (nil when not asked).
    public var terminatedSessions: Int?

    enum CodingKeys: String, CodingKey {
        case kind
        case rotatedAt = "rotated_at"
        case uri
        case terminatedSessions = "terminated_sessions"
    }
}
