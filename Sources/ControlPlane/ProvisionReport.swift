import SluiceModel

/// What one provisioning run found missing and created; a run on a complete
/// workspace reports nothing created, no migration recorded and no rows
/// inserted.
public struct ProvisionReport: Sendable, Equatable {
    public var workspace: WorkspaceID
    /// The name of the upstream server holding the workspace.
    public var upstream: String
    /// The database on that server (`ws_<id>`).
    public var database: String
    /// Server roles this run created.
    public var createdRoles: [String]
    public var createdDatabase: Bool
    /// Versions this run newly recorded in `dl_meta.schema_migrations`.
    public var recordedMigrations: [Int]
    /// The schema version the database now follows.
    public var schemaVersion: Int
    /// Sample rows inserted (only for the `demo` workspace).
    public var sampleRowsInserted: Int

    public init(
        workspace: WorkspaceID,
        upstream: String,
        database: String,
        createdRoles: [String],
        createdDatabase: Bool,
        recordedMigrations: [Int],
        schemaVersion: Int,
        sampleRowsInserted: Int
    ) {
        self.workspace = workspace
        self.upstream = upstream
        self.database = database
        self.createdRoles = createdRoles
        self.createdDatabase = createdDatabase
        self.recordedMigrations = recordedMigrations
        self.schemaVersion = schemaVersion
        self.sampleRowsInserted = sampleRowsInserted
    }

    /// Whether the run found everything already in place.
    public var changedNothing: Bool {
        createdRoles.isEmpty && !createdDatabase && recordedMigrations.isEmpty && sampleRowsInserted == 0
    }
}
