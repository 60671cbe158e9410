import SluiceTestSupport
import Testing

extension ProxyTests {
    /// Shutdown stops accepting at once, lets sessions run for the grace
    /// period, then ends them as the server would (57P01).
    @Suite struct GracefulShutdown {
        @Test func idleSessionIsEndedAfterTheGracePeriod() async throws {
            try await ProxyHarness.run(configure: { $0.shutdownGracePeriod = .seconds(1) }) { proxy in
                let (idle, _) = try await proxy.login()
                let start = ContinuousClock.now
                await proxy.triggerShutdown()

                var refusedAfter: Duration?
                while ContinuousClock.now - start < .seconds(2) {
                    do {
                        let probe = try await RawWireClient.connect(host: proxy.host, port: proxy.port)
                        await probe.close()
                        try await Task.sleep(for: .milliseconds(10))
                    } catch {
                        refusedAfter = ContinuousClock.now - start
                        break
                    }
                }
                let refused = try #require(refusedAfter, "new connections were still accepted 2 s into shutdown")
                #expect(refused < .milliseconds(500), "new connections refused only after \(refused)")

                let messages = try await idle.readUntilClosed(timeout: .seconds(5))
                let closedAfter = ContinuousClock.now - start
                #expect(messages.errors.map(\.sqlState) == ["57P01"])
                #expect(messages.errors.first?.severity == "FATAL")
                #expect(closedAfter >= .milliseconds(900) && closedAfter < .seconds(3), "session ended after \(closedAfter)")

                try await proxy.waitUntilStopped(timeout: .seconds(5))
            }
        }
    }
}
