import SluiceModel

/// Who is asking, over which path: the rules differ per role (customer,
/// runtime), per pooling mode (session, transaction), and for the agent tool,
/// which runs each request on its own (no session or transaction control,
/// one statement).
public struct PolicyContext: Sendable, Hashable {
    public enum Surface: String, Sendable, Hashable {
        /// A wire connection through the proxy.
        case wire
        /// `query_customer_db` and data queries.
        case tool
    }

    public var role: RoleKind
    public var mode: PoolMode
    public var surface: Surface

    public init(role: RoleKind, mode: PoolMode, surface: Surface = .wire) {
        self.role = role
        self.mode = mode
        self.surface = surface
    }
}
