import AdminAPI
import ControlPlane

/// URIs naming a proxy that is clearly not the upstream, so tests can tell
/// that revealed URIs point at the proxy's public address.
struct TestURIs: ConnectionURIBuilder {
    var publicHost: String { "proxy.example.test" }
    var publicPort: Int { 6543 }

    func uri(for credential: RoleCredential, pooled: Bool) -> String {
        "postgresql://\(credential.role.rawValue).\(credential.workspace.rawValue):\(credential.password)"
            + "@\(publicHost):\(publicPort)/customer_db?sslmode=require"
            + (pooled ? "" : "&options=-c%20sluice.pooling%3Dsession")
    }
}
