import Foundation
import SluiceModel

/// One row of the control store's `workspaces` table.
public struct WorkspaceRecord: Sendable, Equatable {
    public var id: WorkspaceID
    public var name: String
    /// The name of the `UpstreamServer` that hosts the workspace database.
    public var upstream: String
    public var status: WorkspaceStatus
    /// Why the last provisioning failed; never holds a secret.
    public var statusDetail: String?
    public var createdAt: Date
    /// When provisioning last finished successfully.
    public var provisionedAt: Date?

    public init(
        id: WorkspaceID,
        name: String,
        upstream: String,
        status: WorkspaceStatus,
        statusDetail: String?,
        createdAt: Date,
        provisionedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.upstream = upstream
        self.status = status
        self.statusDetail = statusDetail
        self.createdAt = createdAt
        self.provisionedAt = provisionedAt
    }
}

extension WorkspaceRecord {
    /// The columns the store selects, in order.
    typealias Columns = (String, String, String, String, String?, Date, Date?)

    /// Reads a stored row, refusing values this version does not know
    /// instead of guessing.
    init(columns: Columns) throws {
        guard let id = WorkspaceID(columns.0) else {
            throw ControlPlaneError.corruptRecord("workspace id \"\(columns.0)\" is not a valid id")
        }
        guard let status = WorkspaceStatus(rawValue: columns.3) else {
            throw ControlPlaneError.corruptRecord("workspace \(columns.0) has unknown status \"\(columns.3)\"")
        }
        self.init(
            id: id,
            name: columns.1,
            upstream: columns.2,
            status: status,
            statusDetail: columns.4,
            createdAt: columns.5,
            provisionedAt: columns.6
        )
    }
}
