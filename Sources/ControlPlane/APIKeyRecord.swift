import Foundation
import SluiceModel

/// One workspace API key as the control store keeps it: everything but the
/// key itself, which exists only in the answer that created it (api.md: keys
/// are shown once and stored only as a hash).
public struct APIKeyRecord: Sendable, Equatable {
    /// The public handle of the key (`DELETE .../api-keys/{id}`); not a secret.
    public var id: String
    public var workspace: WorkspaceID
    public var permission: Permission
    /// Free text from the operator, for telling keys apart.
    public var label: String
    public var createdAt: Date
    /// Set once the key was revoked; a revoked key never authenticates again.
    public var revokedAt: Date?

    public init(
        id: String,
        workspace: WorkspaceID,
        permission: Permission,
        label: String,
        createdAt: Date,
        revokedAt: Date?
    ) {
        self.id = id
        self.workspace = workspace
        self.permission = permission
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension APIKeyRecord {
    /// The columns the store selects, in order.
    typealias Columns = (String, String, String, String, Date, Date?)

    /// Reads a stored row, refusing values this version does not know.
    init(columns: Columns) throws {
        guard let workspace = WorkspaceID(columns.1) else {
            throw ControlPlaneError.corruptRecord("API key \(columns.0) names an invalid workspace id")
        }
        guard let permission = Permission(rawValue: columns.2) else {
            throw ControlPlaneError.corruptRecord("API key \(columns.0) has unknown permission \"\(columns.2)\"")
        }
        self.init(
            id: columns.0,
            workspace: workspace,
            permission: permission,
            label: columns.3,
            createdAt: columns.4,
            revokedAt: columns.5
        )
    }
}
