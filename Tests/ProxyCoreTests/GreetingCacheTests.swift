import NIOCore
import PGSession
import PGWire
import SluiceModel
import Testing

@testable import ProxyCore

/// When a login may be greeted from memory, and when it must ask the server.
@Suite struct GreetingCacheTests {
    private let target = UpstreamTarget(name: "primary", host: "127.0.0.1", port: 5432, tls: false)

    private func credential(user: String = "ws_a_customer") -> ProxyCredential {
        ProxyCredential(
            user: ClientUser(role: .customer, workspace: WorkspaceID("a")!),
            verifier: SCRAMVerifier.decoy(user: "x", secret: Array(repeating: 1, count: 32)),
            target: target, serverUser: user, serverDatabase: "ws_a", password: "pw"
        )
    }

    private let status: [(name: String, value: String)] = [("TimeZone", "Asia/Tokyo"), ("application_name", "a")]

    @Test func aLoginIsGreetedFromMemoryOnlyWithTheSameRoleAndSettings() {
        let cache = GreetingCache()
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let settings = [StartupParameter(name: "application_name", value: "a")]
        let key = GreetingCache.Key(credential: credential(), settings: settings)
        #expect(cache.greeting(for: key, now: now) == nil)
        cache.record(status, for: key, now: now)
        #expect(cache.greeting(for: key, now: now)?.map(\.value) == ["Asia/Tokyo", "a"])
        #expect(cache.greeting(for: GreetingCache.Key(credential: credential(user: "ws_b_customer"), settings: settings), now: now) == nil)
        #expect(cache.greeting(for: GreetingCache.Key(credential: credential(), settings: []), now: now) == nil)
        let other = [StartupParameter(name: "application_name", value: "b")]
        #expect(cache.greeting(for: GreetingCache.Key(credential: credential(), settings: other), now: now) == nil)
        cache.forget(key)
        #expect(cache.greeting(for: key, now: now) == nil)
    }

    @Test func entriesExpire() {
        let cache = GreetingCache(lifetime: .seconds(60))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let key = GreetingCache.Key(credential: credential(), settings: [])
        cache.record(status, for: key, now: start)
        #expect(cache.greeting(for: key, now: start + .seconds(59)) != nil)
        #expect(cache.greeting(for: key, now: start + .seconds(60)) == nil)
        #expect(cache.count == 0)
    }

    @Test func aFullCacheStartsOver() {
        let cache = GreetingCache(capacity: 2)
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let keys = (0..<3).map { GreetingCache.Key(credential: credential(), settings: [StartupParameter(name: "application_name", value: "\($0)")]) }
        cache.record(status, for: keys[0], now: now)
        cache.record(status, for: keys[1], now: now)
        cache.record(status, for: keys[1], now: now)
        #expect(cache.count == 2)
        cache.record(status, for: keys[2], now: now)
        #expect(cache.count == 1)
        #expect(cache.greeting(for: keys[2], now: now) != nil)
        #expect(cache.greeting(for: keys[0], now: now) == nil)
    }
}
