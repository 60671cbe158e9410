import SluiceModel

/// What the API needs from the running proxy, which it may not import (the
/// two surfaces meet only in the composition root, `SluiceApp`).
public protocol ProxyControl: Sendable {
    /// Drops cached credentials of `workspace`, so the next login through
    /// the proxy reads the store: after a rotation the old password must fail
    /// from the moment the answer is sent, not when a cache entry expires.
    func invalidateCredentials(workspace: WorkspaceID)

    /// Ends every open proxy session of the workspace role with
    /// `FATAL 57P01` and `message`; returns how many were ended.
    func terminateSessions(workspace: WorkspaceID, role: RoleKind, message: String) -> Int

    /// Whether the proxy listener is accepting connections (`/readyz`).
    var isAcceptingConnections: Bool { get }
}
