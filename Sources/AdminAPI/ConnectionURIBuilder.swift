import ControlPlane

/// Builds the connection URIs `reveal` and `rotate` hand out.
///
/// A protocol because the one builder lives in the composition root (the
/// same code writes `dev.env` and answers `sluice reveal`): the URI names
/// the proxy's public host and port from configuration, and
/// `sslmode=require` when the proxy has TLS.
public protocol ConnectionURIBuilder: Sendable {
    /// The host clients are told to connect to (the proxy, never the server).
    var publicHost: String { get }
    var publicPort: Int { get }
    /// `pooled: true` is transaction pooling, `false` session pooling.
    func uri(for credential: RoleCredential, pooled: Bool) -> String
}
