import AdminAPI
import ControlPlane

/// The URIs the API hands out, built by the same `ConnectionURI` code that
/// writes `dev.env` and answers `sluice reveal`: the proxy's public host and
/// port from configuration, `sslmode=require` when the proxy has TLS.
struct ConfiguredURIBuilder: ConnectionURIBuilder {
    let configuration: SluiceConfiguration

    var publicHost: String { configuration.publicHost }
    var publicPort: Int { configuration.advertisedPort }

    func uri(for credential: RoleCredential, pooled: Bool) -> String {
        SluiceRuntime.uri(configuration, credential: credential, pooled: pooled)
    }
}
