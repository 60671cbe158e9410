import Hummingbird
import SluiceModel

/// Custom tables: create and delete need `update`, list needs `view`.
struct TableEndpoints: Sendable {
    let path: WorkspacePath
    let service: TableService
    let decoder: RequestBodyDecoder

    var routes: [APIRoute] {
        [
            APIRoute(.post, "/v1/{workspace_id}/tables") { try await create($0, $1) },
            APIRoute(.get, "/v1/{workspace_id}/tables") { try await list($0, $1) },
            APIRoute(.delete, "/v1/{workspace_id}/tables/{name}") { try await delete($0, $1) },
        ]
    }

    func create(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .update, "creating a table")
        let body = try await decoder.decode(CreateTableRequest.self, from: request)
        let table = try await service.create(workspace, body)
        return try JSONResponse(.created, table).response(from: request, context: context)
    }

    func list(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .view, "listing tables")
        let tables = try await service.list(workspace)
        return try JSONResponse(.ok, tables).response(from: request, context: context)
    }

    func delete(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .update, "deleting a table")
        try await service.delete(workspace, name: context.parameters.get("name") ?? "")
        return Response(status: .noContent)
    }
}
