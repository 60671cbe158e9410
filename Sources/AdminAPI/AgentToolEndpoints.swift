import ControlPlane
import Hummingbird
import SluiceModel

/// The agent tool `query_customer_db` and the tool registry.
struct AgentToolEndpoints: Sendable {
    let auth: BearerAuthenticator
    let path: WorkspacePath
    let sql: WorkspaceSQL
    let dataQueries: DataQueryService
    let decoder: RequestBodyDecoder

    static let timeoutRange = 100...60_000

    var routes: [APIRoute] {
        [
            APIRoute(.post, "/api/v2/tools/query_customer_db") { try await queryCustomerDB($0, $1) },
            APIRoute(.get, "/v1/{workspace_id}/tools") { try await tools($0, $1) },
        ]
    }

    /// Reads need `view`; a statement that writes (storage DML/DDL, row
    /// locks) needs `update`. The policy is asked first, so a write outside
    /// `storage` is the policy's 403 whatever the key.
    func queryCustomerDB(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let workspace = try principal.currentWorkspace(request)
        try principal.require(.view, for: "query_customer_db")
        let body = try await decoder.decode(QueryCustomerDBRequest.self, from: request)
        var problems: [APIErrorDetail] = []
        let maxRows = body.maxRows ?? WorkspaceSQL.defaultMaxRows
        if !(1...WorkspaceSQL.maxMaxRows).contains(maxRows) {
            problems.append(.init(field: "max_rows", message: "must be between 1 and \(WorkspaceSQL.maxMaxRows)"))
        }
        let timeout = body.timeoutMilliseconds ?? Int(WorkspaceSQL.defaultTimeout.components.seconds * 1000)
        if !Self.timeoutRange.contains(timeout) {
            problems.append(.init(field: "timeout_ms", message: "must be between \(Self.timeoutRange.lowerBound) and \(Self.timeoutRange.upperBound)"))
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
        // An empty statement is answered as the server answers it (no rows).
        let statement = try WorkspaceSQL.judge(body.sql)
        if statement?.writes == true {
            try principal.require(.update, for: "a storage write through query_customer_db")
        }
        let result = try await sql.run(
            workspace, sql: body.sql, maxRows: maxRows, timeout: .milliseconds(timeout), surface: .agentTool
        )
        return try QueryResultJSON(result: result).response(from: request, context: context)
    }

    func tools(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .view, "listing tools")
        let records = try await dataQueries.list(workspace)
        return try JSONResponse(.ok, ToolRegistry.tools(records)).response(from: request, context: context)
    }
}
