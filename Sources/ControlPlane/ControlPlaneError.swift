import SluiceModel

/// Everything the control plane reports as a failure.
///
/// The descriptions end up in logs, API answers and the `status_detail` column,
/// so no case ever carries a password, a verifier or a query with bound values:
/// callers build them from server SQLSTATEs and messages only (see
/// `PostgresFailure`).
public enum ControlPlaneError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `createWorkspace` for an id that is already taken.
    case workspaceExists(WorkspaceID)
    /// The workspace is not in the control store.
    case workspaceNotFound(WorkspaceID)
    /// The workspace exists but has no stored credential of this role.
    case credentialNotFound(WorkspaceID, RoleKind)
    /// A workspace record names an upstream the configuration does not know
    /// (renamed or removed after the workspace was placed there).
    case unknownUpstream(String)
    /// The upstream server could not be reached or refused the admin login.
    case upstreamUnavailable(String)
    /// The upstream server refused a statement (for example `ALTER ROLE`
    /// during a password rotation); nothing was changed.
    case upstreamFailed(String)
    /// The id's server names (see `ServerNames`) are those of another workspace.
    case serverNamesTaken(WorkspaceID, by: WorkspaceID)
    /// A provisioning step failed; the detail is also stored on the workspace.
    case provisioningFailed(String)
    /// The configuration cannot work (bad URL, master key, duplicate names...).
    case invalidConfiguration(String)
    /// A sealed secret did not authenticate under the master key: wrong key,
    /// or the stored bytes were altered.
    case decryptionFailed
    /// A stored row holds a value this version cannot read.
    case corruptRecord(String)
    /// The control database answered a query with an error.
    case database(String)
    /// A data query of this name already exists in the workspace.
    case dataQueryNameTaken(String)
    /// No data query with this id in the workspace.
    case dataQueryNotFound(String)

    public var description: String {
        switch self {
        case .workspaceExists(let id):
            "workspace \(id.rawValue) already exists"
        case .workspaceNotFound(let id):
            "workspace \(id.rawValue) not found"
        case .credentialNotFound(let id, let role):
            "workspace \(id.rawValue) has no \(role.rawValue) credential"
        case .unknownUpstream(let name):
            "upstream \"\(name)\" is not configured"
        case .upstreamUnavailable(let detail):
            "upstream unavailable: \(detail)"
        case .upstreamFailed(let detail):
            "upstream refused: \(detail)"
        case .serverNamesTaken(let id, let holder):
            "workspace id \(id.rawValue) shortens to the server names of workspace \(holder.rawValue) "
                + "(ws_\(id.serverStem)); choose another id"
        case .provisioningFailed(let detail):
            "provisioning failed: \(detail)"
        case .invalidConfiguration(let detail):
            "invalid configuration: \(detail)"
        case .decryptionFailed:
            "a sealed secret could not be opened with the master key"
        case .corruptRecord(let detail):
            "corrupt control record: \(detail)"
        case .database(let detail):
            "control database error: \(detail)"
        case .dataQueryNameTaken(let name):
            "a data query named \(name) already exists in this workspace"
        case .dataQueryNotFound(let id):
            "data query \(id) not found"
        }
    }
}
