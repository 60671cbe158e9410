import ControlPlane
import Hummingbird
import SluiceModel

/// `{workspace_id}` of the `/v1/{workspace_id}/...` endpoints: a key's own
/// workspace, or any existing one for the operator; anything else is 404
/// (never reveal that another workspace exists).
struct WorkspacePath: Sendable {
    let auth: BearerAuthenticator
    let store: ControlStore

    /// Authentication (401), then scope (404), then permission (403).
    func authorize(
        _ request: Request, _ context: AdminRequestContext, _ permission: Permission, _ action: String
    ) async throws -> (Principal, WorkspaceID) {
        let principal = try await auth.principal(of: request, context: context)
        let workspace = try principal.pathWorkspace(context.parameters.get("workspace_id") ?? "")
        if principal.isOperator {
            let record: WorkspaceRecord?
            do {
                record = try await store.workspace(workspace)
            } catch {
                throw APIError(controlPlane: error)
            }
            guard record != nil else { throw APIError.workspaceNotFound(workspace.rawValue) }
        }
        try principal.require(permission, for: action)
        return (principal, workspace)
    }
}
