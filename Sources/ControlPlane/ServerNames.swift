import SluiceModel

/// The limit that workspace ids must respect for their server names.
///
/// PostgreSQL silently truncates identifiers to 63 bytes. For an id longer
/// than 51 characters, `ws_<id>_customer`, `ws_<id>_runtime` and
/// `ws_<id>_owner` would all truncate to the same 63 bytes, making the
/// customer role the owner role, and two ids sharing a long prefix would share
/// roles. The control plane therefore refuses such ids instead of letting the
/// server shorten them.
enum ServerNames {
    /// 63 bytes minus `ws_` and the longest suffix, `_customer`.
    static let maximumWorkspaceIDLength = 63 - "ws_".utf8.count - "_customer".utf8.count

    static func validate(_ workspace: WorkspaceID) throws {
        let names = [workspace.databaseName, workspace.ownerRoleName]
            + RoleKind.allCases.map { workspace.roleName($0) }
        guard names.allSatisfy({ SQLText.isUsableIdentifier($0) }) else {
            throw ControlPlaneError.workspaceIDTooLong(workspace)
        }
    }
}
