import ControlPlane
import Hummingbird
import SluiceModel

/// Customer data access endpoints (`customer-data-access.txt`), acting on
/// the current workspace: the key's own, or the one the operator names in
/// `X-Workspace-Id`. Status needs `view`; everything else `admin`.
struct IngestionEndpoints: Sendable {
    let auth: BearerAuthenticator
    let access: CustomerDataAccess
    let decoder: RequestBodyDecoder

    var routes: [APIRoute] {
        [
            APIRoute(.get, "/api/v2/ingestion/status") { try await status($0, $1) },
            APIRoute(.post, "/api/v2/ingestion/provision") { try await provision($0, $1) },
            APIRoute(.get, "/api/v2/ingestion/connection-uris/metadata") { try await metadata($0, $1) },
            APIRoute(.post, "/api/v2/ingestion/connection-uris/reveal") { try await reveal($0, $1) },
            APIRoute(.post, "/api/v2/ingestion/connection-uris/rotate") { try await rotate($0, $1) },
        ]
    }

    /// Authentication (401), then scope (404 / 400), then permission (403).
    private func authorize(
        _ request: Request, _ context: AdminRequestContext, _ permission: Permission, _ action: String
    ) async throws -> (Principal, WorkspaceID) {
        let principal = try await auth.principal(of: request, context: context)
        return (principal, try scope(principal, request, permission, action))
    }

    /// Scope (404 / 400), then permission (403); `bodyWorkspace`: a
    /// `workspace_id` the request body names.
    private func scope(
        _ principal: Principal, _ request: Request, _ permission: Permission, _ action: String, bodyWorkspace: String? = nil
    ) throws -> WorkspaceID {
        let workspace = try principal.currentWorkspace(request, body: bodyWorkspace)
        try principal.require(permission, for: action)
        return workspace
    }

    func status(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await authorize(request, context, .view, "status")
        let body = try await access.status(of: workspace)
        return try JSONResponse(.ok, body).response(from: request, context: context)
    }

    func provision(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (_, workspace) = try await authorize(request, context, .admin, "provision")
        _ = try await decoder.decode(ProvisionRequest.self, from: request)
        let body = try await access.provision(workspace)
        return try JSONResponse(.ok, body).response(from: request, context: context)
    }

    func metadata(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let (principal, workspace) = try await authorize(request, context, .admin, "metadata")
        let body = try await access.metadata(of: workspace, includeRuntime: principal.isOperator)
        return try JSONResponse(.ok, body).response(from: request, context: context)
    }

    func reveal(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let body = try await decoder.decode(RevealRequest.self, from: request)
        let workspace = try scope(principal, request, .admin, "reveal", bodyWorkspace: body.workspaceID)
        let kind = try Self.kind(body.kind)
        try principal.require(role: kind)
        let answer = try await access.reveal(workspace, kind: kind, pooled: body.pooled ?? true)
        return try JSONResponse(.ok, answer).response(from: request, context: context)
    }

    func rotate(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let principal = try await auth.principal(of: request, context: context)
        let body = try await decoder.decode(RotateRequest.self, from: request)
        let workspace = try scope(principal, request, .admin, "rotate", bodyWorkspace: body.workspaceID)
        let kind = try Self.kind(body.kind)
        try principal.require(role: kind)
        let answer = try await access.rotate(
            workspace, kind: kind, terminateSessions: body.terminateSessions ?? false, pooled: body.pooled ?? true
        )
        return try JSONResponse(.ok, answer).response(from: request, context: context)
    }

    /// `kind` defaults to `customer`.
    static func kind(_ raw: String?) throws -> RoleKind {
        guard let raw else { return .customer }
        guard let kind = RoleKind(rawValue: raw) else {
            throw APIError.validation(field: "kind", "must be customer or runtime")
        }
        return kind
    }
}
