import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SluiceModel
import Testing

/// The customer data access flow against the real server: status →
/// provision → status → metadata → reveal → rotate → drop by hand → status →
/// provision again.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct IngestionEndpointTests {
    @Test func theWholeFlow() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("flow")
            let admin = try await h.createKey(id, "admin")

            // Not provisioned yet: status says so, metadata/reveal/rotate are 409.
            let before = try await h.request(.get, "/api/v2/ingestion/status", token: admin)
            #expect(before.status == .ok)
            let beforeBody = try before.object
            #expect(Set(beforeBody.keys) == ["workspace_id", "provisioned", "plane", "database", "schemas"])
            #expect(beforeBody["workspace_id"] as? String == id.rawValue)
            #expect(beforeBody["provisioned"] as? Bool == false)
            #expect((beforeBody["plane"] as? [String: Any])?["status"] as? String == "absent")
            #expect(beforeBody["database"] as? String == "customer_db")
            #expect(beforeBody["schemas"] as? [String] == ["dl_cache", "dl_override", "dl_resolved", "dl_meta", "storage"])
            try expectError(try await h.request(.get, "/api/v2/ingestion/connection-uris/metadata", token: admin), 409, "not_provisioned")
            try expectError(try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin), 409, "not_provisioned")
            try expectError(try await h.request(.post, "/api/v2/ingestion/connection-uris/rotate", token: admin), 409, "not_provisioned")

            // Provision: 200 with the status once active; again changes nothing.
            let provisioned = try await h.request(.post, "/api/v2/ingestion/provision", token: admin)
            #expect(provisioned.status == .ok, "\(provisioned.text)")
            #expect(try provisioned.object["provisioned"] as? Bool == true)
            #expect((try provisioned.object["plane"] as? [String: Any])?["status"] as? String == "active")
            let second = try await h.request(.post, "/api/v2/ingestion/provision", token: admin, json: [:])
            #expect(second.status == .ok)
            try expectError(
                try await h.request(.post, "/api/v2/ingestion/provision", token: admin, json: ["force": true]), 400, "unknown_field"
            )

            // Metadata names the proxy, not the server, for clients.
            let metadata = try await h.request(.get, "/api/v2/ingestion/connection-uris/metadata", token: admin)
            #expect(metadata.status == .ok)
            let meta = try metadata.object
            #expect((meta["project"] as? [String: Any])?["id"] as? String == id.rawValue)
            #expect(((meta["project"] as? [String: Any])?["upstream"] as? String)?.contains(":") == true)
            #expect(meta["database"] as? String == "customer_db")
            let role = try #require((meta["roles"] as? [[String: Any]])?.first)
            #expect(role["kind"] as? String == "customer")
            #expect(role["name"] as? String == "customer.\(id.rawValue)")
            #expect(role["pooled_host"] as? String == "proxy.example.test")
            #expect(role["pooled_port"] as? Int == 6543)
            #expect(role["password_rotated_at"] is String)

            // Reveal, pooled (default) and session.
            let pooled = try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin, json: ["kind": "customer", "pooled": true])
            let pooledBody = try pooled.object
            #expect(pooledBody["kind"] as? String == "customer")
            #expect(pooledBody["pooled"] as? Bool == true)
            #expect(pooledBody["role"] as? String == "customer.\(id.rawValue)")
            #expect(pooledBody["database"] as? String == "customer_db")
            let pooledURI = try #require(pooledBody["uri"] as? String)
            #expect(pooledURI.hasPrefix("postgresql://customer.\(id.rawValue):"))
            #expect(pooledURI.contains("@proxy.example.test:6543/customer_db?sslmode=require"))
            #expect(!pooledURI.contains("sluice.pooling"))
            let session = try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin, json: ["pooled": false])
            #expect((try session.object["uri"] as? String)?.contains("sluice.pooling") == true)
            let oldPassword = try #require(Self.password(in: pooledURI))
            try await Self.expectLogin(id, password: oldPassword, succeeds: true)

            // Rotate: a new password of at least 32 characters; the proxy forgets
            // the old one before the answer; sessions stay unless asked.
            let rotated = try await h.request(.post, "/api/v2/ingestion/connection-uris/rotate", token: admin, json: ["kind": "customer"])
            #expect(rotated.status == .ok, "\(rotated.text)")
            let rotatedBody = try rotated.object
            #expect(rotatedBody["kind"] as? String == "customer")
            #expect(rotatedBody["rotated_at"] is String)
            let newPassword = try #require(Self.password(in: rotatedBody["uri"] as? String ?? ""))
            #expect(newPassword != oldPassword && newPassword.count >= 32)
            #expect(h.proxy.invalidated == [id])
            #expect(h.proxy.terminations.isEmpty)
            try await Self.expectLogin(id, password: oldPassword, succeeds: false)
            try await Self.expectLogin(id, password: newPassword, succeeds: true)

            let ended = try await h.request(
                .post, "/api/v2/ingestion/connection-uris/rotate", token: admin, json: ["terminate_sessions": true]
            )
            #expect(ended.status == .ok)
            #expect(try ended.object["terminated_sessions"] as? Int == h.proxy.openSessions)
            let termination = try #require(h.proxy.terminations.first)
            #expect(termination.workspace == id && termination.role == .customer)
            #expect(termination.message.contains("rotated"))

            // Dropped by hand: status asks the server and says so; provision restores.
            try await TestDatabase.dropDatabase(of: id)
            let dropped = try await h.request(.get, "/api/v2/ingestion/status", token: admin)
            #expect(try dropped.object["provisioned"] as? Bool == false)
            #expect((try dropped.object["plane"] as? [String: Any])?["status"] as? String == "absent")
            try expectError(try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin), 409, "not_provisioned")
            try await h.provision(id, key: admin)
            let restored = try await h.request(.get, "/api/v2/ingestion/status", token: admin)
            #expect(try restored.object["provisioned"] as? Bool == true)
        }
    }

    @Test func concurrentProvisionCallsAllSucceed() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("conc")
            let admin = try await h.createKey(id, "admin")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await h.request(.post, "/api/v2/ingestion/provision", token: admin).status }
                }
                var statuses: [HTTPResponse.Status] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses == Array(repeating: .ok, count: 4))
        }
    }

    @Test func operatorNamesTheWorkspaceAndUnknownOnesAre404() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("opnamed")
            let named = try await h.request(
                .get, "/api/v2/ingestion/status", token: Fixture.operatorToken, headers: [("X-Workspace-Id", id.rawValue)]
            )
            #expect(named.status == .ok)
            #expect(try named.object["workspace_id"] as? String == id.rawValue)
            try expectError(
                try await h.request(.post, "/api/v2/ingestion/provision", token: Fixture.operatorToken, headers: [("X-Workspace-Id", "api_nosuch_ws")]),
                404, "workspace_not_found"
            )
        }
    }

    /// The password of a `postgresql://user:password@...` URI.
    static func password(in uri: String) -> String? {
        guard let scheme = uri.range(of: "://"), let at = uri.range(of: "@") else { return nil }
        let userInfo = uri[scheme.upperBound..<at.lowerBound]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        return String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
    }

    /// Logs in to the workspace database directly as the customer role.
    static func expectLogin(_ id: WorkspaceID, password: String, succeeds: Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let server = try TestDatabase.server()
        do {
            let connection = try await PostgresConnection.connect(
                configuration: .init(
                    host: server.host, port: server.port, username: id.roleName(.customer), password: password,
                    database: id.databaseName, tls: .disable
                ),
                id: 2, logger: Fixture.logger
            )
            try? await connection.close()
            #expect(succeeds, "the login with the old password succeeded", sourceLocation: sourceLocation)
        } catch let error as PSQLError {
            #expect(!succeeds, "login failed: \(error.serverInfo?[.sqlState] ?? "?")", sourceLocation: sourceLocation)
            if !succeeds {
                #expect(error.serverInfo?[.sqlState] == "28P01", sourceLocation: sourceLocation)
            }
        }
    }
}
