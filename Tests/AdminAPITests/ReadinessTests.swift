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

    /// api.md: ready when "at least one upstream" is reachable, so one down
    /// server of several does not take the others' workspaces out of rotation.
    @Test func readyWhileOneOfTwoUpstreamsIsDown() async throws {
        let upstreams = [try TestDatabase.server(), TestDatabase.unreachableServer(name: "down")]
        try await TestDatabase.withStore(upstreams: upstreams) { store in
            let api = Fixture.api(store: store, proxy: RecordingProxy(accepting: true))
            try await Fixture.withClient(api) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
        }
    }

    @Test func notReadyWhenNoUpstreamAnswers() async throws {
        let upstreams = [TestDatabase.unreachableServer(name: "down_a"), TestDatabase.unreachableServer(name: "down_b")]
        try await TestDatabase.withStore(upstreams: upstreams) { store in
            let api = Fixture.api(store: store, proxy: RecordingProxy(accepting: true))
            try await Fixture.withClient(api) { client in
                let error = try expectError(try await client.execute(uri: "/readyz", method: .get), 503, "not_ready")
                let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields == ["upstream down_a", "upstream down_b"])
            }
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
