import ControlPlane
import Hummingbird
import SluiceModel

/// The access rules of api.md, in one place:
/// no token is 401 (`BearerAuthenticator`); a valid token without the
/// permission is 403; a workspace that is not the key's own is 404, with
/// the same answer as a workspace that does not exist.
extension Principal {
    /// Operator endpoints: the operator token only.
    func requireOperator() throws {
        guard case .operatorToken = self else {
            throw APIError.forbidden("this endpoint needs the operator token")
        }
    }

    /// `{id}` of `/api/v2/workspaces/{id}/...`, for operator endpoints:
    /// checked for scope (404) before permission (403), so a key of another
    /// workspace learns nothing, not even that the endpoint exists for it.
    func pathWorkspace(_ raw: String) throws -> WorkspaceID {
        guard let id = WorkspaceID(raw) else { throw APIError.workspaceNotFound(RequestBodyDecoder.shown(raw)) }
        if case .apiKey(let record) = self, record.workspace != id {
            throw APIError.workspaceNotFound(id.rawValue)
        }
        return id
    }

    /// "The current workspace" of the ingestion endpoints: a key's own. The
    /// operator, which has none, names one: the `X-Workspace-Id` header, a
    /// `workspace_id` query parameter, or (reveal, rotate) a `workspace_id`
    /// body member. A key that names one must name its own (else 404).
    func currentWorkspace(_ request: Request, body: String? = nil) throws -> WorkspaceID {
        let names = [request.headers[AdminHeaders.workspaceID], request.uri.queryParameters.get("workspace_id"), body].compactMap { $0 }
        switch self {
        case .apiKey(let record):
            if let other = names.first(where: { $0 != record.workspace.rawValue }) {
                throw APIError.workspaceNotFound(RequestBodyDecoder.shown(other))
            }
            return record.workspace
        case .operatorToken:
            if let first = names.first, names.contains(where: { $0 != first }) {
                throw APIError.badRequest(code: "workspace_conflict", "the request names two different workspaces")
            }
            guard let named = names.first else {
                throw APIError.badRequest(
                    code: "workspace_required",
                    "the operator token has no workspace of its own: name one with the X-Workspace-Id header or workspace_id"
                )
            }
            guard let id = WorkspaceID(named) else { throw APIError.workspaceNotFound(RequestBodyDecoder.shown(named)) }
            return id
        }
    }

    /// A workspace key needs at least `permission`; the operator has all.
    func require(_ permission: Permission, for action: String) throws {
        guard case .apiKey(let record) = self else { return }
        guard record.permission >= permission else {
            throw APIError.forbidden(
                "\(action) needs a key with permission \(permission.rawValue); this key has \(record.permission.rawValue)"
            )
        }
    }

    /// The runtime role is internal: only the operator token may reveal or
    /// rotate it.
    func require(role: RoleKind) throws {
        if role == .runtime, case .apiKey = self {
            throw APIError.forbidden("kind \"runtime\" needs the operator token")
        }
    }

    var isOperator: Bool {
        if case .operatorToken = self { return true }
        return false
    }
}
