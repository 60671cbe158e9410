import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Workspaces and API keys against the real control store.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct OperatorEndpointTests {
    @Test func workspacesAreCreatedOnceAndListed() async throws {
        try await Harness.run { h in
            let id = try TestDatabase.uniqueID("ops")
            h.cleanup.add(id)
            let created = try await h.request(.post, "/api/v2/workspaces", token: Fixture.operatorToken, json: ["id": id.rawValue, "name": "Acme Inc"])
            #expect(created.status == .created)
            let body = try created.object
            #expect(Set(body.keys) == ["id", "name", "created_at"])
            #expect(body["id"] as? String == id.rawValue)
            #expect(body["name"] as? String == "Acme Inc")
            #expect((body["created_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) } != nil)

            let again = try await h.request(.post, "/api/v2/workspaces", token: Fixture.operatorToken, json: ["id": id.rawValue, "name": "Other"])
            try expectError(again, 409, "workspace_exists")

            let listed = try await h.request(.get, "/api/v2/workspaces", token: Fixture.operatorToken)
            #expect(listed.status == .ok)
            let entry = try #require(try listed.array.first { $0["id"] as? String == id.rawValue })
            #expect(entry["name"] as? String == "Acme Inc")
        }
    }

    @Test func keysAreShownOnceStoredHashedAndRevocableAtOnce() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("keys")
            let created = try await h.request(
                .post, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: Fixture.operatorToken,
                json: ["permission": "view", "label": "dashboard"]
            )
            #expect(created.status == .created)
            let body = try created.object
            let key = try #require(body["key"] as? String)
            let keyID = try #require(body["id"] as? String)
            #expect(body["permission"] as? String == "view")
            #expect(body["label"] as? String == "dashboard")
            #expect(body["created_at"] is String)
            #expect(key.count >= 40 && key.contains(keyID))

            // Stored only as a hash: the key appears nowhere in the table.
            let stored = try await TestDatabase.withAdminConnection(database: TestDatabase.controlDatabase) { connection in
                var found = false
                for try await (hash, label) in try await connection.query(
                    "SELECT encode(key_hash, 'hex'), label FROM public.api_keys WHERE id = \(keyID)", logger: Fixture.logger
                ).decode((String, String).self) {
                    found = !hash.contains(key) && hash.count == 64 && label == "dashboard"
                }
                return found
            }
            #expect(stored)

            // Listing never shows the key.
            let listed = try await h.request(.get, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: Fixture.operatorToken)
            #expect(listed.status == .ok)
            #expect(!listed.text.contains(key))
            #expect(try listed.array.map { $0["id"] as? String } == [keyID])

            // The key works, then is revoked and fails with the very next request.
            let before = try await h.request(.get, "/api/v2/ingestion/status", token: key)
            #expect(before.status == .ok, "\(before.text)")
            let revoked = try await h.request(.delete, "/api/v2/workspaces/\(id.rawValue)/api-keys/\(keyID)", token: Fixture.operatorToken)
            #expect(revoked.status == .noContent)
            #expect(revoked.body.readableBytes == 0)
            try expectError(try await h.request(.get, "/api/v2/ingestion/status", token: key), 401, "unauthorized")
            try expectError(
                try await h.request(.delete, "/api/v2/workspaces/\(id.rawValue)/api-keys/\(keyID)", token: Fixture.operatorToken),
                404, "api_key_not_found"
            )
            let relisted = try await h.request(.get, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: Fixture.operatorToken)
            #expect(try relisted.array.first?["revoked_at"] is String)
        }
    }

    @Test func keyRequestsAreValidated() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("keyval")
            let path = "/api/v2/workspaces/\(id.rawValue)/api-keys"
            let error = try expectError(
                try await h.request(.post, path, token: Fixture.operatorToken, json: ["permission": "superuser"]), 422, "validation_failed"
            )
            #expect((error["details"] as? [[String: Any]])?.first?["field"] as? String == "permission")
            try expectError(try await h.request(.post, path, token: Fixture.operatorToken, json: [:]), 422, "validation_failed")
            try expectError(
                try await h.request(.post, path, token: Fixture.operatorToken, json: ["permission": "view", "scope": "all"]), 400, "unknown_field"
            )
            try expectError(
                try await h.request(.post, "/api/v2/workspaces/api_nosuch_ws/api-keys", token: Fixture.operatorToken, json: ["permission": "view"]),
                404, "workspace_not_found"
            )
            try expectError(
                try await h.request(.get, "/api/v2/workspaces/api_nosuch_ws/api-keys", token: Fixture.operatorToken),
                404, "workspace_not_found"
            )
            try expectError(
                try await h.request(.delete, "\(path)/ak0123456789abcdef", token: Fixture.operatorToken), 404, "api_key_not_found"
            )
            try expectError(
                try await h.request(.delete, "\(path)/not-a-key-id", token: Fixture.operatorToken), 404, "api_key_not_found"
            )
        }
    }
}
