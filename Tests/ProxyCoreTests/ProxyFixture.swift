import PGSession
import ProxyCore
import SluiceModel
import SluiceTestSupport

/// The users and passwords the proxy tests log in with. Every known user is
/// mapped to the test server's superuser login, so a session can do what the
/// tests need (COPY, pg_stat_activity) without provisioning a workspace.
enum ProxyFixture {
    static let user = "customer.test"
    static let password = "client-pw"
    /// The database name clients must use (or omit) for a workspace.
    static let database = "customer_db"
    /// Looked up as `.unavailable`: the control store is down.
    static let unavailableUser = "customer.down"
    static let upstreamName = "test-upstream"
    /// The store's reason for `unavailableUser`: internal, never shown to clients.
    static let unavailableDetail = "control-db-7.internal refused the connection"

    /// Derived once: PBKDF2 is deliberately slow.
    static let verifier = SCRAMVerifier(password: password, salt: randomBytes(16))

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `user` logging in upstream as the test server's superuser, at `port`
    /// (default: the test server's own).
    static func credential(user: String = user, upstream: TestPostgres, port: Int? = nil, tls: Bool = false) throws -> ProxyCredential {
        ProxyCredential(
            user: try ClientUser.parse(user).get(),
            verifier: verifier,
            target: UpstreamTarget(name: upstreamName, host: upstream.host, port: port ?? upstream.port, tls: tls),
            serverUser: upstream.user,
            serverDatabase: upstream.database,
            password: upstream.password
        )
    }

    /// The standard store: `customer.test` works, `customer.down` finds the
    /// store unavailable, everyone else is unknown.
    static func credentials(upstream: TestPostgres) throws -> InMemoryCredentials {
        InMemoryCredentials(entries: [
            user: .found(try credential(upstream: upstream)),
            unavailableUser: .unavailable(unavailableDetail),
        ])
    }
}
