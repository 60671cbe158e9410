import SluiceTestSupport
import Testing

extension ProxyTests {
    /// pitfalls.md: "Single-threaded proxies that cannot use more than one
    /// core". Clients are spread over every event loop (one per core by default).
    @Suite struct EventLoops {
        @Test func clientsAreServedByEveryEventLoop() async throws {
            try await ProxyHarness.run(threads: 2) { proxy in
                var clients: [RawWireClient] = []
                for _ in 0..<4 {
                    let (client, _) = try await proxy.login()
                    #expect(try await client.simpleQuery("SELECT 1").firstValue == "1")
                    clients.append(client)
                }
                #expect(proxy.server.eventLoopsInUse == 2)
            }
        }
    }
}
