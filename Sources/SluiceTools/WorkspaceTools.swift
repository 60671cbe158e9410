/// The tools of the key's workspace, as a long-lived client (the MCP server)
/// uses them: the workspace and the registry are fetched once and refreshed
/// when a name is not found or a data query's id went stale.
public actor WorkspaceTools {
    public let client: ToolsClient
    private var workspace: String?
    private var cached: ToolRegistry?

    public init(client: ToolsClient) {
        self.client = client
    }

    public func workspaceID() async throws(ToolsError) -> String {
        if let workspace { return workspace }
        let fetched = try await client.workspaceID()
        workspace = fetched
        return fetched
    }

    /// The registry; `refresh` fetches it again. The raw answer is that of the last fetch.
    public func registry(refresh: Bool = true) async throws(ToolsError) -> (registry: ToolRegistry, response: APIResponse?) {
        if !refresh, let cached { return (cached, nil) }
        let fetched = try await ToolRegistry.fetch(client: client, workspace: workspaceID())
        cached = fetched.registry
        return fetched
    }

    /// Runs the tool `name` with a JSON-object payload: the body of
    /// query_customer_db, the `input` of a data query.
    public func call(_ name: String, payload: JSONValue) async throws(ToolsError) -> APIResponse {
        guard payload.members != nil else { throw .invalidPayload("the payload must be a JSON object") }
        if name == ToolRegistry.customerQueryTool {
            return try await ToolInvocation.customerQuery.run(with: payload, on: client)
        }
        var fresh = cached == nil
        var registry = try await registry(refresh: false).registry
        if registry.tool(named: name) == nil, !fresh {
            registry = try await self.registry(refresh: true).registry
            fresh = true
        }
        do {
            return try await registry.resolve(name).run(with: payload, on: client)
        } catch .api(let failure) where failure.status == 404 && !fresh {
            // The data query may have been re-created under a new id since the list was read.
            let refreshed = try await self.registry(refresh: true).registry
            return try await refreshed.resolve(name).run(with: payload, on: client)
        }
    }
}
