import AdminAPI
import ControlPlane
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import ProxyCore
import SluiceApp
import SluiceModel
import Synchronization
import Testing

/// The API with the real proxy behind it: the control store, a `ProxyServer`
/// (its pools, its policy gate) as the workspace query executor, over the
/// real PostgreSQL of the integration tests. Nothing is mocked.
struct ToolHarness: Sendable {
    let store: ControlStore
    let client: any TestClientProtocol
    let workspace: SharedWorkspace

    static func run(_ body: @escaping @Sendable (ToolHarness) async throws -> Void) async throws {
        try await TestDatabase.withStore { store in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let proxy = ProxyServer(
                configuration: ProxyConfiguration(port: 0, decoySecret: Array(repeating: 7, count: 32)),
                credentials: ControlPlaneCredentialProvider(store: store),
                gate: PolicyGate(logger: Fixture.logger), group: group, logger: Fixture.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await proxy.run() }
                while proxy.localAddress == nil { try await Task.sleep(for: .milliseconds(20)) }
                let api = Fixture.api(store: store, queries: proxy)
                try await Fixture.withClient(api) { client in
                    let workspace = try await SharedWorkspace.get(client)
                    try await body(ToolHarness(store: store, client: client, workspace: workspace))
                }
                tasks.cancelAll()
            }
            try await group.shutdownGracefully()
        }
    }

    func request(_ method: HTTPRequest.Method, _ path: String, token: String?, json: Any? = nil) async throws -> TestResponse {
        try await client.execute(uri: path, method: method, headers: headers(bearer: token), body: try json.map { try jsonBody($0) })
    }

    var base: String { "/v1/\(workspace.id.rawValue)" }

    /// Runs SQL through the agent tool with the update key (checked: 200).
    @discardableResult
    func sql(_ text: String) async throws -> [String: Any] {
        let response = try await request(.post, "/api/v2/tools/query_customer_db", token: workspace.update, json: ["sql": text])
        #expect(response.status == .ok, "\(text): \(response.text)")
        return try response.object
    }

    /// A data query with a unique name (checked: 201); returns its body.
    func deploy(_ name: String, _ template: String, _ parameters: [[String: Any]] = [], extra: [String: Any] = [:]) async throws -> [String: Any] {
        var body: [String: Any] = ["name": name, "description": "test query \(name)", "sql_template": template, "parameters": parameters]
        body.merge(extra) { _, new in new }
        let response = try await request(.post, "\(base)/data_queries", token: workspace.update, json: body)
        #expect(response.status == .created, "\(response.text)")
        return try response.object
    }

    static func unique(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// One provisioned workspace with a custom table and a key of each
/// permission, made once per test process (provisioning takes seconds) and
/// shared by the tool tests; each test makes its own queries and tables.
struct SharedWorkspace: Sendable {
    let id: WorkspaceID
    let view: String
    let update: String
    let admin: String

    private static let cached = Mutex<SharedWorkspace?>(nil)
    private static let lock = AsyncGate()

    static func get(_ client: any TestClientProtocol) async throws -> SharedWorkspace {
        try await lock.withLock {
            if let existing = cached.withLock({ $0 }) { return existing }
            let id = try TestDatabase.uniqueID("tools")
            func call(_ method: HTTPRequest.Method, _ path: String, _ token: String, _ json: Any? = nil) async throws -> TestResponse {
                try await client.execute(uri: path, method: method, headers: headers(bearer: token), body: try json.map { try jsonBody($0) })
            }
            var response = try await call(.post, "/api/v2/workspaces", Fixture.operatorToken, ["id": id.rawValue, "name": "Tools"])
            #expect(response.status == .created, "\(response.text)")
            var keys: [String: String] = [:]
            for permission in ["view", "update", "admin"] {
                response = try await call(.post, "/api/v2/workspaces/\(id.rawValue)/api-keys", Fixture.operatorToken, ["permission": permission])
                keys[permission] = try #require(try response.object["key"] as? String)
            }
            // The first table provisions the workspace database.
            response = try await call(.post, "/v1/\(id.rawValue)/tables", keys["update"] ?? "", [
                "name": "people",
                "columns": [
                    ["name": "id", "type": "bigint", "primary_key": true],
                    ["name": "email", "type": "text", "nullable": false],
                    ["name": "domain", "type": "text"],
                    ["name": "active", "type": "boolean"],
                ],
            ])
            #expect(response.status == .created, "\(response.text)")
            // Every test runs a proxy of its own, each with its own pool:
            // more server connections than one proxy would ever hold.
            try await TestDatabase.withAdminConnection { admin in
                try await TestDatabase.execute("ALTER ROLE \"\(id.roleName(.customer))\" CONNECTION LIMIT 200", on: admin)
            }
            let workspace = SharedWorkspace(id: id, view: keys["view"] ?? "", update: keys["update"] ?? "", admin: keys["admin"] ?? "")
            cached.withLock { $0 = workspace }
            return workspace
        }
    }
}

/// A one-at-a-time gate for async code (the shared workspace is made once).
actor AsyncGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
