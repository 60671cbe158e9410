import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

@testable import AdminAPI

struct ServiceEndpointTests {
    @Test func healthzAnswersWithoutAuthentication() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(try response.object["status"] as? String == "ok")
        }
    }

    @Test func readyzIs503WhileTheStoreIsUnreachable() async throws {
        let api = Fixture.api(
            store: try Fixture.offlineStore(), proxy: RecordingProxy(accepting: false), readinessTimeout: .milliseconds(400)
        )
        let started = ContinuousClock.now
        try await Fixture.withClient(api) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            let error = try expectError(response, 503, "not_ready")
            let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(!fields.isEmpty)
        }
        // Without the deadline the check would wait forever for the store's
        // client, which never runs; the bound is loose because a loaded
        // machine (the whole suite in parallel on two cores) delays timers.
        #expect(ContinuousClock.now - started < .seconds(60), "the readiness timeout must hold")
    }

    @Test func metricsCountRequestsByRouteTemplateAndStatus() async throws {
        let registry = PrometheusCollectorRegistry()
        let api = Fixture.api(store: try Fixture.offlineStore(), registry: registry)
        try await Fixture.withClient(api) { client in
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/api/v2/workspaces/acme/api-keys", method: .get)
            _ = try await client.execute(uri: "/no/such/Path", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains(#"sluice_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "\(text)")
            #expect(text.contains(#"route="/api/v2/workspaces/{id}/api-keys",status="401""#), "\(text)")
            #expect(text.contains(#"route="unmatched",status="404""#), "\(text)")
            #expect(!text.contains("acme") && !text.contains("Path"), "label values must be templates")
        }
    }
}
