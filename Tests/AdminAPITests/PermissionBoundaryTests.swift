import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// api.md's boundaries: a `view` (or `update`) key cannot provision, read
/// metadata, reveal or rotate (403); a key of workspace A gets 404 for
/// anything of workspace B, exactly as for a workspace that does not exist;
/// workspace keys never reach operator endpoints or the runtime role.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct PermissionBoundaryTests {
    static let adminOnly: [(HTTPRequest.Method, String)] = [
        (.post, "/api/v2/ingestion/provision"),
        (.get, "/api/v2/ingestion/connection-uris/metadata"),
        (.post, "/api/v2/ingestion/connection-uris/reveal"),
        (.post, "/api/v2/ingestion/connection-uris/rotate"),
    ]

    @Test func viewAndUpdateKeysReadStatusButCannotDoAdminWork() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("perm")
            for permission in ["view", "update"] {
                let key = try await h.createKey(id, permission)
                let status = try await h.request(.get, "/api/v2/ingestion/status", token: key)
                #expect(status.status == .ok, "\(status.text)")
                for (method, path) in Self.adminOnly {
                    try expectError(try await h.request(method, path, token: key), 403, "forbidden")
                }
            }
            // Nothing was provisioned or rotated on their behalf.
            #expect(h.proxy.invalidated.isEmpty)
            let admin = try await h.createKey(id, "admin")
            #expect(try await h.request(.get, "/api/v2/ingestion/status", token: admin).object["provisioned"] as? Bool == false)
        }
    }

    @Test func workspaceKeysNeverReachOperatorEndpoints() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("opfence")
            let admin = try await h.createKey(id, "admin")
            try expectError(try await h.request(.get, "/api/v2/workspaces", token: admin), 403, "forbidden")
            try expectError(try await h.request(.post, "/api/v2/workspaces", token: admin, json: ["id": "api_never_made"]), 403, "forbidden")
            try expectError(
                try await h.request(.post, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: admin, json: ["permission": "admin"]),
                403, "forbidden"
            )
            try expectError(try await h.request(.get, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: admin), 403, "forbidden")
        }
    }

    @Test func aKeyOfAnotherWorkspaceGetsTheSameAnswerAsANonexistentOne() async throws {
        try await Harness.run { h in
            let a = try await h.createWorkspace("wsa")
            let b = try await h.createWorkspace("wsb")
            let keyA = try await h.createKey(a, "admin")
            let keyB = try await h.createKey(b, "admin")
            let bKeyID = try #require(try await h.request(.get, "/api/v2/workspaces/\(b.rawValue)/api-keys", token: Fixture.operatorToken)
                .array.first?["id"] as? String)
            let nowhere = "api_nosuch_ws"

            func answer(_ method: HTTPRequest.Method, _ path: String, _ extra: [(String, String)] = []) async throws -> (Int, String, String) {
                let response = try await h.request(method, path, token: keyA, json: method == .post ? ["permission": "admin"] : nil, headers: extra)
                let error = try expectError(response, 404, "workspace_not_found")
                return (Int(response.status.code), error["code"] as? String ?? "", error["message"] as? String ?? "")
            }
            for (method, suffix) in [(HTTPRequest.Method.post, "/api-keys"), (.get, "/api-keys"), (.delete, "/api-keys/\(bKeyID)")] {
                let other = try await answer(method, "/api/v2/workspaces/\(b.rawValue)\(suffix)")
                let missing = try await answer(method, "/api/v2/workspaces/\(nowhere)\(suffix)")
                #expect(other.0 == missing.0 && other.1 == missing.1)
                #expect(other.2.replacingOccurrences(of: b.rawValue, with: nowhere) == missing.2)
            }
            // Naming workspace B as the current workspace is 404 too.
            for (method, path) in [(HTTPRequest.Method.get, "/api/v2/ingestion/status")] + Self.adminOnly {
                let response = try await h.request(method, path, token: keyA, headers: [("X-Workspace-Id", b.rawValue)])
                try expectError(response, 404, "workspace_not_found")
            }
            // B's key still works: nothing of B was touched.
            #expect(try await h.request(.get, "/api/v2/ingestion/status", token: keyB).status == .ok)
        }
    }

    @Test func onlyTheOperatorTokenRevealsOrRotatesTheRuntimeRole() async throws {
        try await Harness.run { h in
            let id = try await h.createWorkspace("runtime")
            let admin = try await h.createKey(id, "admin")
            try await h.provision(id, key: admin)
            try expectError(
                try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin, json: ["kind": "runtime"]), 403, "forbidden"
            )
            try expectError(
                try await h.request(.post, "/api/v2/ingestion/connection-uris/rotate", token: admin, json: ["kind": "runtime"]), 403, "forbidden"
            )
            let named = [("X-Workspace-Id", id.rawValue)]
            let revealed = try await h.request(
                .post, "/api/v2/ingestion/connection-uris/reveal", token: Fixture.operatorToken, json: ["kind": "runtime"], headers: named
            )
            #expect(revealed.status == .ok, "\(revealed.text)")
            #expect(try revealed.object["role"] as? String == "runtime.\(id.rawValue)")
            let metadata = try await h.request(.get, "/api/v2/ingestion/connection-uris/metadata", token: Fixture.operatorToken, headers: named)
            let kinds = try (metadata.object["roles"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds == ["customer", "runtime"])
            let adminMetadata = try await h.request(.get, "/api/v2/ingestion/connection-uris/metadata", token: admin)
            #expect(try (adminMetadata.object["roles"] as? [[String: Any]] ?? []).count == 1)
            try expectError(
                try await h.request(.post, "/api/v2/ingestion/connection-uris/reveal", token: admin, json: ["kind": "superuser"]),
                422, "validation_failed"
            )
        }
    }
}
