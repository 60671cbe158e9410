import Foundation
import SluiceModel

/// A registered data query (workspace-data-queries): a parameterized SQL
/// template an agent invokes as the tool `wsq_<name>`.
///
/// The store keeps what it is given; validation (name patterns, template
/// placeholders, the policy) is the API's, before anything is stored.
public struct DataQueryRecord: Sendable, Equatable {
    public var id: UUID
    public var workspace: WorkspaceID
    public var name: String
    public var description: String
    public var sqlTemplate: String
    public var parameters: [DataQueryParameterRecord]
    public var timeoutMilliseconds: Int
    public var createdAt: Date
    public var deployedAt: Date?
    /// The id of the API key that deployed it (nil for the operator token).
    public var deployedBy: String?
    public var lastInvokedAt: Date?

    public init(
        id: UUID, workspace: WorkspaceID, name: String, description: String, sqlTemplate: String,
        parameters: [DataQueryParameterRecord], timeoutMilliseconds: Int, createdAt: Date,
        deployedAt: Date?, deployedBy: String?, lastInvokedAt: Date?
    ) {
        self.id = id
        self.workspace = workspace
        self.name = name
        self.description = description
        self.sqlTemplate = sqlTemplate
        self.parameters = parameters
        self.timeoutMilliseconds = timeoutMilliseconds
        self.createdAt = createdAt
        self.deployedAt = deployedAt
        self.deployedBy = deployedBy
        self.lastInvokedAt = lastInvokedAt
    }
}
