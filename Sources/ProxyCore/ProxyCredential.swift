import PGSession
import SluiceModel

/// An upstream PostgreSQL server as the proxy dials it.
public struct UpstreamTarget: Sendable, Hashable {
    public var name: String
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(name: String, host: String, port: Int, tls: Bool) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// What the proxy needs to authenticate a client user and to log in upstream
/// on its behalf. Built by the composition root from the control plane.
public struct ProxyCredential: Sendable {
    public var user: ClientUser
    public var verifier: SCRAMVerifier
    public var target: UpstreamTarget
    public var serverUser: String
    public var serverDatabase: String
    public var password: String
    /// When the store gave this answer. A session keeps the credential it
    /// logged in with; after a password rotation, the pool must log new
    /// server connections in with the newest one, not with whichever an
    /// older session's lease brought last.
    public var fetchedAt: ContinuousClock.Instant

    public init(user: ClientUser, verifier: SCRAMVerifier, target: UpstreamTarget, serverUser: String, serverDatabase: String, password: String,
                fetchedAt: ContinuousClock.Instant = .now) {
        self.user = user
        self.verifier = verifier
        self.target = target
        self.serverUser = serverUser
        self.serverDatabase = serverDatabase
        self.password = password
        self.fetchedAt = fetchedAt
    }
}

/// The answer of a credential lookup.
public enum CredentialLookup: Sendable {
    case found(ProxyCredential)
    /// No such user; the client is failed at the SCRAM proof like a wrong password.
    case notFound
    /// The store could not answer (it is the same for every user, so it reveals nothing).
    case unavailable(String)
}

/// Resolves `customer.acme` to its credential. Implementations must take
/// about the same time whether or not the user exists (no timing oracle):
/// a malformed or unknown name is looked up like any other.
public protocol CredentialProvider: Sendable {
    func credential(forUser user: String) async -> CredentialLookup

    /// An answer the provider already holds, returned at once without
    /// blocking (a lock and a lookup at most), so a login on the event loop
    /// skips the hop to a task and back; nil: ask `credential(forUser:)`.
    func cachedCredential(forUser user: String) -> CredentialLookup?
}

extension CredentialProvider {
    public func cachedCredential(forUser user: String) -> CredentialLookup? { nil }
}
