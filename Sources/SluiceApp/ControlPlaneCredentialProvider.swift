import ControlPlane
import Foundation
import NIOConcurrencyHelpers
import ProxyCore
import SluiceModel

/// Adapts the control store to the proxy: `customer.acme` → verifier,
/// upstream and server login. Answers are cached briefly so a burst of
/// connects costs one store query, and negative answers are cached the same
/// way so an unknown user costs what a known one does.
final class ControlPlaneCredentialProvider: CredentialProvider {
    private struct CacheEntry {
        var credential: ProxyCredential?
        var expires: ContinuousClock.Instant
    }

    private let store: ControlStore
    private let ttl: Duration
    private let cache = NIOLockedValueBox<[String: CacheEntry]>([:])
    private static let maxCacheEntries = 10_000

    init(store: ControlStore, ttl: Duration = .seconds(2)) {
        self.store = store
        self.ttl = ttl
    }

    func credential(forUser user: String) async -> ProxyCredential? {
        let now = ContinuousClock.now
        if let entry = cache.withLockedValue({ $0[user] }), entry.expires > now {
            return entry.credential
        }
        let credential = await lookup(user)
        cache.withLockedValue { cache in
            if cache.count >= Self.maxCacheEntries { cache.removeAll(keepingCapacity: true) }
            cache[user] = CacheEntry(credential: credential, expires: now + ttl)
        }
        return credential
    }

    /// Forget cached answers for a workspace (after a password rotation).
    func invalidate(workspace: WorkspaceID) {
        cache.withLockedValue { cache in
            cache = cache.filter { !$0.key.hasSuffix(".\(workspace.rawValue)") }
        }
    }

    private func lookup(_ user: String) async -> ProxyCredential? {
        switch ClientUser.parse(user) {
        case .success(let parsed):
            guard let stored = try? await store.credential(workspace: parsed.workspace, role: parsed.role) else { return nil }
            return ProxyCredential(
                user: parsed,
                verifier: stored.verifier,
                target: UpstreamTarget(name: stored.upstream.name, host: stored.upstream.host, port: stored.upstream.port, tls: stored.upstream.tls),
                serverUser: stored.roleName,
                serverDatabase: stored.database,
                password: stored.password
            )
        case .failure:
            // Same store round trip as a real lookup, so the answer time says nothing.
            if let decoy = WorkspaceID("sluice_no_such_workspace") {
                _ = try? await store.credential(workspace: decoy, role: .customer)
            }
            return nil
        }
    }
}
