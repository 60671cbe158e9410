/// The user name a client presents: `customer.acme` or `runtime.acme`.
///
/// The role is the part before the first dot and the workspace the part after
/// it (operations.md). Parsing never says whether the workspace exists: that
/// is decided later, with the same answer for every failure.
public struct ClientUser: Hashable, Sendable, CustomStringConvertible {
    public let role: RoleKind
    public let workspace: WorkspaceID

    public init(role: RoleKind, workspace: WorkspaceID) {
        self.role = role
        self.workspace = workspace
    }

    /// Why a user name is not of the form `<role>.<workspace>`; safe to show a
    /// client because it depends only on the text it sent.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case missingDot
        case unknownRole(String)
        case malformedWorkspace

        public var description: String {
            switch self {
            case .missingDot:
                "the user name must be <role>.<workspace>, for example customer.acme"
            case .unknownRole:
                "the part before the first dot must be \"customer\" or \"runtime\""
            case .malformedWorkspace:
                "the part after the first dot must match ^[a-z][a-z0-9_]{0,62}$"
            }
        }
    }

    public static func parse(_ user: String) -> Result<ClientUser, ParseError> {
        guard let dot = user.firstIndex(of: ".") else { return .failure(.missingDot) }
        let rolePart = String(user[..<dot])
        let workspacePart = String(user[user.index(after: dot)...])
        guard let role = RoleKind(rawValue: rolePart) else { return .failure(.unknownRole(rolePart)) }
        guard let workspace = WorkspaceID(workspacePart) else { return .failure(.malformedWorkspace) }
        return .success(ClientUser(role: role, workspace: workspace))
    }

    public var description: String { "\(role.rawValue).\(workspace.rawValue)" }
}
