import PGWire
import SluiceTestSupport
import Testing

@testable import ProxyCore

extension ProxyTests {
    /// A CancelRequest with the proxy's key reaches the right server process
    /// at once; any other key does nothing.
    @Suite struct Cancel {
        /// Waits (via another session) until `marker`'s query runs on the
        /// server: a cancel that arrives before that would find it idle.
        static func waitUntilRunning(_ marker: String, observer: RawWireClient) async throws {
            let sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%' AND pid <> pg_backend_pid()"
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if try await observer.simpleQuery(sql).firstValue == "1" { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestSupportError("the query marked \(marker) never started")
        }

        @Test func cancelStopsTheRunningQuery() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login()
                let (observer, _) = try await proxy.login()
                let key = try #require(greeting.backendKey)
                let marker = "cancel_me_\(UInt32.random(in: 0 ... .max))"

                try await client.send(.query("SELECT pg_sleep(30) /* \(marker) */"))
                try await Self.waitUntilRunning(marker, observer: observer)
                let start = ContinuousClock.now
                try await RawWireClient.cancel(host: proxy.host, port: proxy.port, key: key)
                let answer = try await client.readUntilReadyForQuery(timeout: .seconds(5))
                let elapsed = ContinuousClock.now - start

                #expect(answer.errors.map(\.sqlState) == ["57014"])
                #expect(elapsed < .seconds(1), "cancel took \(elapsed)")
                #expect(answer.last == .readyForQuery(.idle))
                #expect(try await client.simpleQuery("SELECT 1").firstValue == "1", "the session survives a cancel")
            }
        }

        /// pitfalls.md: a cancel that reaches the server after the client's
        /// query ended must not hit the next client's query on the same
        /// server connection. The relay holds the cancel back for a second:
        /// the server connection must not go to the next client until the
        /// server has taken the cancel.
        @Test func aLateCancelDoesNotHitTheNextClientsQuery() async throws {
            let upstream = try TestPostgres.require()
            let relay = try await DelayingRelay.start(upstreamHost: upstream.host, upstreamPort: upstream.port, cancelDelay: .seconds(1))
            let credentials = InMemoryCredentials(entries: [
                ProxyFixture.user: .found(try ProxyFixture.credential(upstream: upstream, port: relay.port)),
            ])
            do {
                try await ProxyHarness.run(threads: 1, credentials: { _ in credentials }, configure: {
                    $0.pool.maxConnections = 1
                    $0.pool.waitTimeout = .seconds(10)
                }) { proxy in
                    let (a, greeting) = try await proxy.login()
                    let (b, _) = try await proxy.login()
                    let key = try #require(greeting.backendKey)
                    try await a.send(.query("SELECT pg_sleep(0.3), 'a'"))
                    try await Task.sleep(for: .milliseconds(100))
                    try await RawWireClient.cancel(host: proxy.host, port: proxy.port, key: key)
                    // The cancel is still on its way when A's query ends.
                    let first = try await a.readUntilReadyForQuery(timeout: .seconds(5))
                    #expect(first.errors.isEmpty)
                    // B gets the one server connection next, for longer than the cancel takes.
                    let second = try await b.simpleQuery("SELECT pg_sleep(2), 'b'", timeout: .seconds(15))
                    #expect(second.errors.map(\.sqlState).isEmpty, "A's late cancel hit B's query: \(second.errors)")
                    #expect(second.commandTags == ["SELECT 1"])
                }
            } catch {
                await relay.stop()
                throw error
            }
            await relay.stop()
        }

        /// pitfalls.md: behind a load balancer a cancel may land on another
        /// Sluice process than the session's. Instance 2 knows where instance
        /// 1 listens and passes the cancel on to it.
        @Test func aCancelSentToAnotherInstanceIsPassedOn() async throws {
            try await ProxyHarness.run(configure: { $0.cancelRouting = CancelRouting(instance: 1) }) { first in
                let peers = [UInt8(1): CancelRouting.Peer(host: first.host, port: first.port)]
                try await ProxyHarness.run(configure: { $0.cancelRouting = CancelRouting(instance: 2, peers: peers) }) { second in
                    let (client, greeting) = try await first.login()
                    let (observer, _) = try await first.login()
                    let key = try #require(greeting.backendKey)
                    #expect(CancelRouting.instance(ofProcessID: key.processID) == 1)
                    let marker = "cancel_elsewhere_\(UInt32.random(in: 0 ... .max))"

                    try await client.send(.query("SELECT pg_sleep(30) /* \(marker) */"))
                    try await Self.waitUntilRunning(marker, observer: observer)
                    try await RawWireClient.cancel(host: second.host, port: second.port, key: key)
                    let answer = try await client.readUntilReadyForQuery(timeout: .seconds(5))
                    #expect(answer.errors.map(\.sqlState) == ["57014"])
                    #expect(try await client.simpleQuery("SELECT 1").firstValue == "1", "the session survives a cancel")
                }
            }
        }

        @Test func wrongKeyDoesNothing() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login()
                let (observer, _) = try await proxy.login()
                let key = try #require(greeting.backendKey)
                let marker = "keep_me_\(UInt32.random(in: 0 ... .max))"

                try await client.send(.query("SELECT pg_sleep(1) /* \(marker) */"))
                try await Self.waitUntilRunning(marker, observer: observer)
                let wrongSecret = BackendKeyData(processID: key.processID, secretKey: key.secretKey &+ 1)
                let wrongProcess = BackendKeyData(processID: key.processID &+ 1, secretKey: key.secretKey)
                try await RawWireClient.cancel(host: proxy.host, port: proxy.port, key: wrongSecret)
                try await RawWireClient.cancel(host: proxy.host, port: proxy.port, key: wrongProcess)
                let answer = try await client.readUntilReadyForQuery(timeout: .seconds(5))

                #expect(answer.errors.isEmpty)
                #expect(answer.commandTags == ["SELECT 1"])
            }
        }
    }
}
