import AdminAPI
import ControlPlane
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SluiceModel
import Testing

/// A running API over the real control store, with helpers for the steps
/// most tests share (create a workspace, issue a key, call an endpoint).
struct Harness: Sendable {
    let store: ControlStore
    let proxy: RecordingProxy
    let client: any TestClientProtocol
    let cleanup: TestDatabase.Cleanup

    static func run(_ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let cleanup = TestDatabase.Cleanup()
        try await TestDatabase.withStore(cleanup: cleanup) { store in
            let proxy = RecordingProxy()
            try await Fixture.withClient(Fixture.api(store: store, proxy: proxy)) { client in
                try await body(Harness(store: store, proxy: proxy, client: client, cleanup: cleanup))
            }
        }
    }

    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String?,
        json: Any? = nil, headers extra: [(String, String)] = []
    ) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: method, headers: headers(bearer: token, extra),
            body: try json.map { try jsonBody($0) }
        )
    }

    /// A new workspace made through the operator endpoint (checked: 201).
    func createWorkspace(_ prefix: String) async throws -> WorkspaceID {
        let id = try TestDatabase.uniqueID(prefix)
        cleanup.add(id)
        let response = try await request(.post, "/api/v2/workspaces", token: Fixture.operatorToken, json: ["id": id.rawValue, "name": "Test \(prefix)"])
        #expect(response.status == .created, "\(response.text)")
        return id
    }

    /// A new key of `workspace` (checked: 201); returns the key.
    func createKey(_ workspace: WorkspaceID, _ permission: String) async throws -> String {
        let response = try await request(
            .post, "/api/v2/workspaces/\(workspace.rawValue)/api-keys", token: Fixture.operatorToken,
            json: ["permission": permission, "label": "\(permission) key"]
        )
        #expect(response.status == .created, "\(response.text)")
        return try #require(try response.object["key"] as? String)
    }

    /// Provisions through the API (checked: 200, active).
    func provision(_ workspace: WorkspaceID, key: String) async throws {
        let response = try await request(.post, "/api/v2/ingestion/provision", token: key)
        #expect(response.status == .ok, "\(response.text)")
        #expect(try response.object["provisioned"] as? Bool == true)
    }
}
