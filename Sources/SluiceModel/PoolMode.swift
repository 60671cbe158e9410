/// How a client's work maps onto server connections.
public enum PoolMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// One server connection for the whole client session (`pooled: false`).
    case session
    /// A server connection per transaction (`pooled: true`).
    case transaction
}
