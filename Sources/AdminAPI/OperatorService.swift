import ControlPlane
import Logging
import SluiceModel

/// Workspaces and API keys: what the operator endpoints and the CLI
/// (`sluice workspace create`, `sluice apikey create`) both call, so the
/// two surfaces validate and answer alike.
///
/// Failures are `APIError`s: the HTTP layer sends them as they are, the CLI
/// prints their message.
public struct OperatorService: Sendable {
    public let store: ControlStore
    /// Longest display name or label accepted, in characters.
    static let maxTextLength = 200

    public init(store: ControlStore) {
        self.store = store
    }

    public func createWorkspace(id raw: String, name rawName: String?) async throws -> WorkspaceRecord {
        var problems: [APIErrorDetail] = []
        let id = WorkspaceID(raw)
        if id == nil {
            problems.append(APIErrorDetail(field: "id", message: "must match ^[a-z][a-z0-9_]{0,62}$"))
        }
        let name = rawName ?? raw
        if let problem = Self.textProblem(name, allowEmpty: false) {
            problems.append(APIErrorDetail(field: "name", message: problem))
        }
        guard problems.isEmpty, let id else { throw APIError.validation(problems) }
        do {
            return try await store.createWorkspace(id: id, name: name)
        } catch {
            throw APIError(controlPlane: error)
        }
    }

    public func listWorkspaces() async throws -> [WorkspaceRecord] {
        do {
            return try await store.listWorkspaces()
        } catch {
            throw APIError(controlPlane: error)
        }
    }

    public func createAPIKey(workspace: WorkspaceID, permission raw: String, label rawLabel: String?) async throws -> IssuedAPIKey {
        var problems: [APIErrorDetail] = []
        let permission = Permission(rawValue: raw)
        if permission == nil {
            problems.append(APIErrorDetail(field: "permission", message: "must be one of view, update, admin"))
        }
        let label = rawLabel ?? ""
        if let problem = Self.textProblem(label, allowEmpty: true) {
            problems.append(APIErrorDetail(field: "label", message: problem))
        }
        guard problems.isEmpty, let permission else { throw APIError.validation(problems) }
        do {
            return try await store.createAPIKey(workspace: workspace, permission: permission, label: label)
        } catch {
            throw APIError(controlPlane: error)
        }
    }

    public func listAPIKeys(workspace: WorkspaceID) async throws -> [APIKeyRecord] {
        do {
            guard try await store.workspace(workspace) != nil else { throw APIError.workspaceNotFound(workspace.rawValue) }
            return try await store.listAPIKeys(workspace: workspace)
        } catch {
            throw APIError(controlPlane: error)
        }
    }

    /// Revokes a live key of `workspace`; 404 for an unknown, foreign or
    /// already revoked key (a revoked key is gone as far as clients can tell).
    public func revokeAPIKey(workspace: WorkspaceID, id: String) async throws {
        let revoked: Bool
        do {
            guard try await store.workspace(workspace) != nil else { throw APIError.workspaceNotFound(workspace.rawValue) }
            revoked = APIKeyToken.isValidID(id) ? try await store.revokeAPIKey(workspace: workspace, id: id) : false
        } catch {
            throw APIError(controlPlane: error)
        }
        guard revoked else {
            throw APIError(
                .notFound, code: "api_key_not_found",
                message: "API key \(RequestBodyDecoder.shown(id)) of workspace \(workspace.rawValue) not found"
            )
        }
    }

    /// Why a display text is refused, or nil.
    static func textProblem(_ text: String, allowEmpty: Bool) -> String? {
        if !allowEmpty && text.isEmpty {
            return "must not be empty"
        }
        if text.unicodeScalars.count > maxTextLength {
            return "must be at most \(maxTextLength) characters"
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }
}
