/// `GET /api/v2/ingestion/status`:
/// `{"workspace_id", "provisioned", "plane": {"status", "detail"}, "database", "schemas"}`.
public struct IngestionStatusBody: Encodable, Sendable, Equatable {
    public struct Plane: Encodable, Sendable, Equatable {
        /// `active`, `provisioning`, `failed` or `absent`.
        public var status: String
        /// A sentence for people; the failure reason when `failed`.
        public var detail: String
    }

    /// The schemas a provisioned database has (workspace-schema.md).
    static let managedSchemas = ["dl_cache", "dl_override", "dl_resolved", "dl_meta", "storage"]

    public var workspaceID: String
    /// Asked of the server, not read from the record.
    public var provisioned: Bool
    public var plane: Plane
    public var database: String
    public var schemas: [String]

    enum CodingKeys: String, CodingKey {
        case workspaceID = "workspace_id"
        case provisioned, plane, database, schemas
    }
}
