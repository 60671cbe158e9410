import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Answers the router gives before the control store is consulted: every
/// one in the error shape of api.md, with a request id.
struct RouterErrorTests {
    @Test func noTokenIs401OnEveryAuthenticatedRoute() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        let secured = api.routes.filter { $0.path.hasPrefix("/api/") || $0.path.hasPrefix("/v1/") }
        #expect(secured.count == 21)
        try await Fixture.withClient(api) { client in
            for route in secured {
                let path = route.path.replacingOccurrences(of: "{id}", with: "acme")
                    .replacingOccurrences(of: "{key_id}", with: "ak0123456789abcdef")
                    .replacingOccurrences(of: "{workspace_id}", with: "acme")
                    .replacingOccurrences(of: "{query_id}", with: "6f1c1f0e-8d0a-4a47-9a43-0c1f1d1e2f3a")
                    .replacingOccurrences(of: "{name}", with: "leads")
                let response = try await client.execute(uri: path, method: route.method)
                try expectError(response, 401, "unauthorized")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
        }
    }

    @Test func malformedAuthorizationIs401() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "token"] {
                var fields = HTTPFields()
                fields[.authorization] = value
                let response = try await client.execute(uri: "/api/v2/workspaces", method: .get, headers: fields)
                try expectError(response, 401, "unauthorized")
            }
        }
    }

    @Test func unknownPathIs404AndKnownPathWithOtherMethodIs405() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            try expectError(try await client.execute(uri: "/nope", method: .get), 404, "not_found")
            try expectError(try await client.execute(uri: "/api/v2/tools/no_such_tool", method: .post), 404, "not_found")

            let put = try await client.execute(uri: "/api/v2/workspaces", method: .put)
            try expectError(put, 405, "method_not_allowed")
            #expect(put.headers[.allow] == "GET, POST")

            let patch = try await client.execute(uri: "/api/v2/workspaces/acme/api-keys/ak0123456789abcdef", method: .patch)
            try expectError(patch, 405, "method_not_allowed")
            #expect(patch.headers[.allow] == "DELETE")
        }
    }

    @Test func unknownFieldsAreRefusedWith400() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let response = try await client.execute(
                uri: "/api/v2/workspaces", method: .post, headers: headers(bearer: Fixture.operatorToken),
                body: try jsonBody(["id": "acme", "name": "Acme", "nmae": "typo"])
            )
            let error = try expectError(response, 400, "unknown_field")
            let details = try #require(error["details"] as? [[String: Any]])
            #expect(details.map { $0["field"] as? String } == ["nmae"])
        }
    }

    @Test func malformedBodiesAre400AndInvalidValues422() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let operatorHeaders = headers(bearer: Fixture.operatorToken)
            func post(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v2/workspaces", method: .post, headers: operatorHeaders, body: textBody(body))
            }
            try expectError(try await post("{\"id\": "), 400, "invalid_json")
            try expectError(try await post("[1, 2]"), 400, "invalid_json")
            try expectError(try await post("\"acme\""), 400, "invalid_json")

            let missing = try expectError(try await post("{}"), 422, "validation_failed")
            #expect((missing["details"] as? [[String: Any]])?.first?["field"] as? String == "id")
            let wrongType = try expectError(try await post("{\"id\": 7}"), 422, "validation_failed")
            #expect((wrongType["details"] as? [[String: Any]])?.first?["field"] as? String == "id")
            let badID = try expectError(try await post("{\"id\": \"Not-An-Id\"}"), 422, "validation_failed")
            #expect((badID["details"] as? [[String: Any]])?.first?["field"] as? String == "id")
            // api.md: ^[a-z][a-z0-9_]{0,62}$, so 64 characters is one too many.
            let tooLong = String(repeating: "a", count: 64)
            try expectError(try await post("{\"id\": \"\(tooLong)\"}"), 422, "validation_failed")
            try expectError(try await post("{\"id\": \"acme\", \"name\": \"\"}"), 422, "validation_failed")
            try expectError(try await post("{\"id\": \"acme\", \"name\": \"a\\u0000b\"}"), 422, "validation_failed")
        }
    }

    @Test func bodiesOverOneMebibyteAre413() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let padding = String(repeating: "x", count: (1 << 20) + 16)
            let response = try await client.execute(
                uri: "/api/v2/workspaces", method: .post, headers: headers(bearer: Fixture.operatorToken),
                body: textBody("{\"id\": \"acme\", \"name\": \"\(padding)\"}")
            )
            try expectError(response, 413, "payload_too_large")
        }
    }

    @Test func operatorTokenNeedsAWorkspaceForIngestion() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let response = try await client.execute(
                uri: "/api/v2/ingestion/status", method: .get, headers: headers(bearer: Fixture.operatorToken)
            )
            try expectError(response, 400, "workspace_required")
            let invalid = try await client.execute(
                uri: "/api/v2/ingestion/status", method: .get,
                headers: headers(bearer: Fixture.operatorToken, [("X-Workspace-Id", "Not Valid")])
            )
            try expectError(invalid, 404, "workspace_not_found")
        }
    }

    @Test func requestIDsAreAssignedOrEchoed() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore())
        try await Fixture.withClient(api) { client in
            let assigned = try await client.execute(uri: "/healthz", method: .get)
            #expect(assigned.requestIDs.count == 1)
            #expect(assigned.requestIDs.first?.count == 16)

            let echoed = try await client.execute(
                uri: "/healthz", method: .get, headers: headers(bearer: nil, [("X-Request-Id", "trace-ABC.123")])
            )
            #expect(echoed.requestIDs == ["trace-ABC.123"])

            let forged = try await client.execute(
                uri: "/healthz", method: .get, headers: headers(bearer: nil, [("X-Request-Id", "a b\"=c")])
            )
            #expect(forged.requestIDs.count == 1)
            #expect(forged.requestIDs.first != "a b\"=c")
        }
    }

    @Test func withoutAnOperatorTokenOperatorEndpointsRefuseEveryone() async throws {
        let api = Fixture.api(store: try Fixture.offlineStore(), operatorToken: nil)
        try await Fixture.withClient(api) { client in
            // An empty operator token must not match an empty bearer either.
            let response = try await client.execute(uri: "/api/v2/workspaces", method: .get, headers: headers(bearer: ""))
            try expectError(response, 401, "unauthorized")
            let stale = try await client.execute(
                uri: "/api/v2/workspaces", method: .get, headers: headers(bearer: Fixture.operatorToken)
            )
            try expectError(stale, 401, "unauthorized")
        }
    }
}
