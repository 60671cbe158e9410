/// The answer of `reveal`: `{"kind", "pooled", "role", "database", "uri"}`.
public struct RevealBody: Encodable, Sendable {
    public var kind: String
    public var pooled: Bool
    /// The user in the URI (`customer.acme`).
    public var role: String
    public var database: String
    public var uri: String
}
