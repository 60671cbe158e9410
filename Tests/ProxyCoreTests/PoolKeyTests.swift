import Testing

@testable import ProxyCore

/// A pool key's hash is computed once; equality must still tell every field apart.
@Suite struct PoolKeyTests {
    private let primary = UpstreamTarget(name: "primary", host: "127.0.0.1", port: 5432, tls: false)

    @Test func equalFieldsMakeEqualKeysWithEqualHashes() {
        let a = PoolKey(target: primary, database: "ws_a", user: "ws_a_customer")
        let b = PoolKey(target: primary, database: "ws_a", user: "ws_a_customer")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
    }

    @Test func everyFieldSeparatesPools() {
        let key = PoolKey(target: primary, database: "ws_a", user: "ws_a_customer")
        let others = [
            PoolKey(target: primary, database: "ws_b", user: "ws_a_customer"),
            PoolKey(target: primary, database: "ws_a", user: "ws_b_customer"),
            PoolKey(target: UpstreamTarget(name: "primary", host: "127.0.0.1", port: 5433, tls: false),
                    database: "ws_a", user: "ws_a_customer"),
            PoolKey(target: UpstreamTarget(name: "primary", host: "127.0.0.1", port: 5432, tls: true),
                    database: "ws_a", user: "ws_a_customer"),
        ]
        for other in others {
            #expect(other != key)
        }
        var pools: [PoolKey: Int] = [key: 0]
        for (index, other) in others.enumerated() { pools[other] = index + 1 }
        #expect(pools.count == 5 && pools[key] == 0)
    }
}
