import ControlPlane
import Foundation
import NIOConcurrencyHelpers
import ProxyCore
import SluiceModel

/// Adapts the control store to the proxy: `customer.acme` → verifier,
/// upstream and server login. Answers are cached briefly so a burst of
/// connects costs one store query, and negative answers are cached the same
/// way so an unknown user costs what a known one does. When the store cannot
/// answer in time, a recent answer is served stale (the control database may
/// share a server with workspaces and be briefly down), else `unavailable`.
public final class ControlPlaneCredentialProvider: CredentialProvider {
    private struct CacheEntry {
        var credential: ProxyCredential?
        var fetched: ContinuousClock.Instant
    }

    private let store: ControlStore
    private let ttl: Duration
    private let staleFor: Duration
    private let lookupTimeout: Duration
    private let cache = NIOLockedValueBox<[String: CacheEntry]>([:])
    private static let maxCacheEntries = 10_000

    public init(store: ControlStore, ttl: Duration = .seconds(2), staleFor: Duration = .seconds(600), lookupTimeout: Duration = .seconds(2)) {
        self.store = store
        self.ttl = ttl
        self.staleFor = staleFor
        self.lookupTimeout = lookupTimeout
    }

    private enum Fetch: Sendable {
        case answer(ProxyCredential?)
        case failed(String)
    }

    public func cachedCredential(forUser user: String) -> CredentialLookup? {
        let now = ContinuousClock.now
        guard let cached = cache.withLockedValue({ $0[user] }), cached.fetched + ttl > now else { return nil }
        return cached.credential.map { .found($0) } ?? .notFound
    }

    public func credential(forUser user: String) async -> CredentialLookup {
        let now = ContinuousClock.now
        let cached = cache.withLockedValue { $0[user] }
        if let cached, cached.fetched + ttl > now {
            return cached.credential.map { .found($0) } ?? .notFound
        }
        switch await fetchWithTimeout(user) {
        case .answer(let credential):
            cache.withLockedValue { cache in
                if cache.count >= Self.maxCacheEntries { cache.removeAll(keepingCapacity: true) }
                cache[user] = CacheEntry(credential: credential, fetched: now)
            }
            return credential.map { .found($0) } ?? .notFound
        case .failed(let reason):
            if let cached, cached.fetched + staleFor > now {
                return cached.credential.map { .found($0) } ?? .notFound
            }
            return .unavailable(reason)
        }
    }

    private func fetchWithTimeout(_ user: String) async -> Fetch {
        let timeout = lookupTimeout
        return await withTaskGroup(of: Fetch?.self) { group in
            group.addTask { await self.fetch(user) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .failed("the control store did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            while let result = await group.next() {
                if let result { return result }
            }
            return .failed("cancelled")
        }
    }

    /// Forget cached answers for a workspace (after a password rotation).
    func invalidate(workspace: WorkspaceID) {
        cache.withLockedValue { cache in
            cache = cache.filter { !$0.key.hasSuffix(".\(workspace.rawValue)") }
        }
    }

    private func fetch(_ user: String) async -> Fetch {
        switch ClientUser.parse(user) {
        case .success(let parsed):
            let stored: RoleCredential?
            do {
                stored = try await store.credential(workspace: parsed.workspace, role: parsed.role)
            } catch {
                return .failed("\(error)")
            }
            guard let stored else { return .answer(nil) }
            return .answer(ProxyCredential(
                user: parsed,
                verifier: stored.verifier,
                target: UpstreamTarget(name: stored.upstream.name, host: stored.upstream.host, port: stored.upstream.port, tls: stored.upstream.tls),
                serverUser: stored.roleName,
                serverDatabase: stored.database,
                password: stored.password
            ))
        case .failure:
            // Same store round trip as a real lookup, so the answer time says nothing.
            if let decoy = WorkspaceID("sluice_no_such_workspace") {
                do {
                    _ = try await store.credential(workspace: decoy, role: .customer)
                } catch {
                    return .failed("\(error)")
                }
            }
            return .answer(nil)
        }
    }
}
