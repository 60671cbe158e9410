import ControlPlane
import Foundation
import Hummingbird
import SluiceModel

/// Workspace data queries (workspace-data-queries): list, get and invoke
/// need `view`; create, update and delete need `update`.
struct DataQueryEndpoints: Sendable {
    let path: WorkspacePath
    let service: DataQueryService
    let decoder: RequestBodyDecoder

    var routes: [APIRoute] {
        [
            APIRoute(.post, "/v1/{workspace_id}/data_queries") { try await create($0, $1) },
            APIRoute(.get, "/v1/{workspace_id}/data_queries") { try await list($0, $1) },
            APIRoute(.get, "/v1/{workspace_id}/data_queries/{query_id}") { try await get($0, $1) },
            APIRoute(.patch, "/v1/{workspace_id}/data_queries/{query_id}") { try await update($0, $1) },
            APIRoute(.delete, "/v1/{workspace_id}/data_queries/{query_id}") { try await delete($0, $1) },
            APIRoute(.post, "/v1/{workspace_id}/data_queries/{query_id}/invoke") { try await invoke($0, $1) },
        ]
    }

    func create(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (principal, workspace) = try await path.authorize(request, context, .update, "creating a data query")
        let body = try await decoder.decode(CreateDataQueryRequest.self, from: request)
        let record = try await service.create(workspace, body, by: principal)
        return try JSONResponse(.created, DataQueryBody(record)).response(from: request, context: context)
    }

    func list(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .view, "listing data queries")
        let records = try await service.list(workspace)
        return try JSONResponse(.ok, records.map(DataQueryBody.init)).response(from: request, context: context)
    }

    func get(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .view, "reading a data query")
        let record = try await service.get(workspace, id: try Self.queryID(context))
        return try JSONResponse(.ok, DataQueryBody(record)).response(from: request, context: context)
    }

    func update(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (principal, workspace) = try await path.authorize(request, context, .update, "updating a data query")
        let id = try Self.queryID(context)
        let body = try await decoder.decode(PatchDataQueryRequest.self, from: request)
        let record = try await service.update(workspace, id: id, body, by: principal)
        return try JSONResponse(.ok, DataQueryBody(record)).response(from: request, context: context)
    }

    func delete(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .update, "deleting a data query")
        try await service.delete(workspace, id: try Self.queryID(context))
        return Response(status: .noContent)
    }

    func invoke(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await path.authorize(request, context, .view, "invoking a data query")
        let id = try Self.queryID(context)
        let body = try await decoder.decode(InvokeDataQueryRequest.self, from: request)
        let (record, result) = try await service.invoke(workspace, id: id, input: body.input ?? [:])
        return try QueryResultJSON(
            result: result, leading: [("query_id", record.id.uuidString.lowercased()), ("name", record.name)],
            includesCommand: false
        ).response(from: request, context: context)
    }

    /// `{query_id}`: a UUID; anything else cannot name a query (404).
    static func queryID(_ context: AdminRequestContext) throws -> UUID {
        let raw = context.parameters.get("query_id") ?? ""
        guard let id = UUID(uuidString: raw) else {
            throw DataQueryService.notFound(RequestBodyDecoder.shown(raw))
        }
        return id
    }
}
