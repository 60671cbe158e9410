/// How a tool of the registry is called.
public enum ToolInvocation: Sendable, Equatable {
    /// `POST /api/v2/tools/query_customer_db`; the payload is the body.
    case customerQuery
    /// `POST /v1/{workspace_id}/data_queries/{query_id}/invoke`; the payload is `input`.
    case dataQuery(workspace: String, queryID: String)

    /// Runs the tool with a JSON-object payload.
    public func run(with payload: JSONValue, on client: ToolsClient) async throws(ToolsError) -> APIResponse {
        guard payload.members != nil else { throw .invalidPayload("the payload must be a JSON object") }
        switch self {
        case .customerQuery:
            return try await client.queryCustomerDB(body: payload)
        case .dataQuery(let workspace, let queryID):
            return try await client.invokeDataQuery(workspace: workspace, queryID: queryID, input: payload)
        }
    }
}
