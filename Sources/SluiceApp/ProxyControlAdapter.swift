import AdminAPI
import ProxyCore
import SluiceModel

/// Lets the HTTP API act on the running proxy without importing it: the two
/// surfaces meet here, in the composition root.
struct ProxyControlAdapter: ProxyControl {
    let proxy: ProxyServer
    let credentials: ControlPlaneCredentialProvider

    func invalidateCredentials(workspace: WorkspaceID) {
        credentials.invalidate(workspace: workspace)
    }

    func terminateSessions(workspace: WorkspaceID, role: RoleKind, message: String) -> Int {
        proxy.terminateSessions(of: ClientUser(role: role, workspace: workspace), message: message)
    }

    var isAcceptingConnections: Bool { proxy.localAddress != nil }
}
