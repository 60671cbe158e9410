import PGSession
import ProxyCore
import SluiceModel
import SluiceTestSupport
import Synchronization
import Testing

/// A store whose one user's server password can be rotated mid-test, as the
/// control plane's rotate endpoint does (new answers carry the new password;
/// sessions that logged in before keep the credential they logged in with).
final class RotatingCredentials: CredentialProvider {
    private let current: Mutex<ProxyCredential>

    init(_ credential: ProxyCredential) {
        current = Mutex(credential)
    }

    func rotate(to password: String) {
        current.withLock { credential in
            credential.password = password
            credential.fetchedAt = .now
        }
    }

    func credential(forUser user: String) async -> CredentialLookup {
        user == ProxyFixture.user ? .found(current.withLock { $0 }) : .notFound
    }
}

extension ProxyTests {
    /// pitfalls.md: "SCRAM to the upstream failing after a server reconnect".
    @Suite struct CredentialRotation {
        /// After a password rotation (without ending sessions), a session that
        /// logged in before it still leases connections; new server connections
        /// must still log in with the new password.
        @Test func aSessionFromBeforeARotationDoesNotBringTheOldPasswordBack() async throws {
            let upstream = try TestPostgres.require()
            let role = "sluice_rotation_\(UInt32.random(in: 0 ... .max))"
            let (admin, _) = try await RawWireClient.login(
                host: upstream.host, port: upstream.port, user: upstream.user, password: upstream.password, database: upstream.database
            )
            #expect(try await admin.simpleQuery("CREATE ROLE \(role) LOGIN PASSWORD 'old-pw'").errors.isEmpty)
            let store = RotatingCredentials(ProxyCredential(
                user: try ClientUser.parse(ProxyFixture.user).get(), verifier: ProxyFixture.verifier,
                target: UpstreamTarget(name: ProxyFixture.upstreamName, host: upstream.host, port: upstream.port, tls: false),
                serverUser: role, serverDatabase: upstream.database, password: "old-pw"
            ))
            do {
                try await ProxyHarness.run(threads: 1, credentials: { _ in store }, configure: { $0.pool.maxConnections = 2 }) { proxy in
                    let (before, _) = try await proxy.login()
                    #expect(try await before.simpleQuery("SELECT 1").firstValue == "1")

                    #expect(try await admin.simpleQuery("ALTER ROLE \(role) PASSWORD 'new-pw'").errors.isEmpty)
                    store.rotate(to: "new-pw")
                    let (after, _) = try await proxy.login()
                    #expect(try await after.simpleQuery("SELECT 1").firstValue == "1")
                    // The newer session holds the one open server connection, so the older
                    // session's next transaction needs a new one: it must log in with the new password.
                    #expect(try await after.simpleQuery("BEGIN").errors.isEmpty)
                    let second = try await before.simpleQuery("BEGIN; SELECT current_user")
                    #expect(second.errors.isEmpty, "a new server connection logged in with the old password: \(second.errors)")
                    #expect(second.firstValue == role)
                    _ = try await after.simpleQuery("COMMIT")
                    _ = try await before.simpleQuery("COMMIT")
                }
            } catch {
                _ = try? await admin.simpleQuery("DROP ROLE IF EXISTS \(role)")
                await admin.terminate()
                throw error
            }
            // The proxy has shut down: its server connections are gone or going.
            for _ in 0..<50 {
                if try await admin.simpleQuery("DROP ROLE IF EXISTS \(role)").errors.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await admin.terminate()
        }
    }
}
