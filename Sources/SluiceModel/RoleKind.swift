/// The two login roles a workspace exposes through the proxy.
public enum RoleKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Every revealed customer URI, the agent tool and data queries.
    case customer
    /// Internal app/runtime operations (full DML/DDL on the managed schemas).
    case runtime
}
