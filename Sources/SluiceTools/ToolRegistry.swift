import MCP

/// The tools of one workspace, as `GET /v1/{workspace_id}/tools` lists them.
public struct ToolRegistry: Sendable, Equatable {
    public static let customerQueryTool = "query_customer_db"

    public var workspace: String
    public var tools: [ToolDefinition]

    public init(workspace: String, tools: [ToolDefinition]) {
        self.workspace = workspace
        self.tools = tools
    }

    /// Reads the tool list (a JSON array; an object with a `tools` array is accepted too).
    public init(workspace: String, json: JSONValue) throws(ToolsError) {
        guard let entries = json.array ?? json["tools"]?.array else {
            throw .badResponse(status: 200, reason: "the tool list is not a JSON array")
        }
        self.init(workspace: workspace, tools: entries.compactMap(ToolDefinition.init(json:)))
    }

    /// Fetches the registry of the key's workspace; the raw answer comes along for `--json`.
    public static func fetch(client: ToolsClient, workspace: String? = nil) async throws(ToolsError) -> (registry: ToolRegistry, response: APIResponse) {
        let workspace = if let workspace { workspace } else { try await client.workspaceID() }
        let response = try await client.listTools(workspace: workspace)
        return (try ToolRegistry(workspace: workspace, json: response.json), response)
    }

    public func tool(named name: String) -> ToolDefinition? {
        tools.first { $0.name == name }
    }

    /// How to call the tool named `name`.
    public func resolve(_ name: String) throws(ToolsError) -> ToolInvocation {
        guard let tool = tool(named: name) else {
            throw .unknownTool(name, known: tools.map(\.name))
        }
        return try Self.invocation(for: tool, workspace: workspace)
    }

    static func invocation(for tool: ToolDefinition, workspace: String) throws(ToolsError) -> ToolInvocation {
        if let queryID = tool.queryID, !queryID.isEmpty {
            return .dataQuery(workspace: workspace, queryID: queryID)
        }
        if tool.name == customerQueryTool { return .customerQuery }
        throw .unsupportedTool(tool.name)
    }

    /// The tools as MCP announces them (`inputSchema` is the API's `input_schema`).
    public var mcpTools: [Tool] {
        tools.map { tool in
            Tool(name: tool.name, description: tool.description, inputSchema: tool.inputSchema.mcpValue)
        }
    }
}
