import Hummingbird
import HummingbirdTesting
import Testing

@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct ReadinessTests {
    @Test func readyWhenStoreUpstreamsAndProxyAnswer() async throws {
        try await Harness.run { h in
            let response = try await h.request(.get, "/readyz", token: nil)
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.object["status"] as? String == "ready")
        }
    }

    @Test func notReadyWhileTheProxyDoesNotListen() async throws {
        try await TestDatabase.withStore { store in
            let api = Fixture.api(store: store, proxy: RecordingProxy(accepting: false))
            try await Fixture.withClient(api) { client in
                let error = try expectError(try await client.execute(uri: "/readyz", method: .get), 503, "not_ready")
                let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields == ["proxy"])
            }
        }
    }
}
