import ControlPlane
import Hummingbird
import SluiceModel

/// Operator endpoints (api.md): workspaces and their API keys. All need the
/// operator token; a workspace key gets 403 (or 404 for another workspace).
struct OperatorEndpoints: Sendable {
    let auth: BearerAuthenticator
    let service: OperatorService
    let decoder: RequestBodyDecoder

    var routes: [APIRoute] {
        [
            APIRoute(.post, "/api/v2/workspaces") { try await createWorkspace($0, $1) },
            APIRoute(.get, "/api/v2/workspaces") { try await listWorkspaces($0, $1) },
            APIRoute(.post, "/api/v2/workspaces/{id}/api-keys") { try await createKey($0, $1) },
            APIRoute(.get, "/api/v2/workspaces/{id}/api-keys") { try await listKeys($0, $1) },
            APIRoute(.delete, "/api/v2/workspaces/{id}/api-keys/{key_id}") { try await revokeKey($0, $1) },
        ]
    }

    func createWorkspace(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        try principal.requireOperator()
        let body = try await decoder.decode(CreateWorkspaceRequest.self, from: request)
        let record = try await service.createWorkspace(id: body.id, name: body.name)
        return try JSONResponse(.created, WorkspaceBody(record)).response(from: request, context: context)
    }

    func listWorkspaces(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        try principal.requireOperator()
        let records = try await service.listWorkspaces()
        return try JSONResponse(.ok, records.map(WorkspaceBody.init)).response(from: request, context: context)
    }

    func createKey(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let workspace = try principal.pathWorkspace(context.parameters.get("id") ?? "")
        try principal.requireOperator()
        let body = try await decoder.decode(CreateAPIKeyRequest.self, from: request)
        let issued = try await service.createAPIKey(workspace: workspace, permission: body.permission, label: body.label)
        return try JSONResponse(.created, APIKeyBody(issued: issued)).response(from: request, context: context)
    }

    func listKeys(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let workspace = try principal.pathWorkspace(context.parameters.get("id") ?? "")
        try principal.requireOperator()
        let records = try await service.listAPIKeys(workspace: workspace)
        return try JSONResponse(.ok, records.map(APIKeyBody.init(listed:))).response(from: request, context: context)
    }

    func revokeKey(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let workspace = try principal.pathWorkspace(context.parameters.get("id") ?? "")
        try principal.requireOperator()
        try await service.revokeAPIKey(workspace: workspace, id: context.parameters.get("key_id") ?? "")
        return Response(status: .noContent)
    }
}
