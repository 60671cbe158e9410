import Logging
import PostgresNIO
import SluiceModel

/// Creates or repairs a workspace on its upstream server, exactly as
/// workspace-schema.md describes: roles, database, schemas, tables, views,
/// grants, and sample data for `demo`.
///
/// Provisioning is idempotent and converging: every step checks or is a
/// no-op when its object exists, so running it again changes nothing (the
/// schema dump stays byte-identical) and running it after someone dropped the
/// database brings everything back. Runs for one workspace never overlap: in
/// this process they are coalesced, across processes they queue on an
/// advisory lock taken on the upstream.
public final class Provisioner: Sendable {
    public let store: ControlStore
    let logger: Logger
    private let coalescer = ProvisionCoalescer()
    /// Workspaces that get the sample rows: only `demo` in the product; tests
    /// name a throwaway id so they never touch a real `demo` workspace.
    let sampleDataWorkspaces: Set<String>

    /// Upstreams and limits to provision with; normally the store's own.
    public let configuration: ControlPlaneConfiguration

    /// `devSampleData`: the `dev` environment, whose workspace `demo` gets
    /// the sample rows (workspace-schema.md: "only for the `dev` workspace
    /// `demo`"); under `serve` a workspace named `demo` starts empty like any other.
    public convenience init(store: ControlStore, logger: Logger, devSampleData: Bool = false) {
        self.init(store: store, configuration: store.configuration, logger: logger, devSampleData: devSampleData)
    }

    /// For callers that hold the configuration separately; it must name the
    /// same upstreams the store places workspaces on.
    public convenience init(store: ControlStore, configuration: ControlPlaneConfiguration, logger: Logger, devSampleData: Bool = false) {
        self.init(
            store: store,
            configuration: configuration,
            logger: logger,
            sampleDataWorkspaces: devSampleData ? [DemoDataset.workspaceName] : []
        )
    }

    init(
        store: ControlStore,
        configuration: ControlPlaneConfiguration? = nil,
        logger: Logger,
        sampleDataWorkspaces: Set<String>
    ) {
        self.store = store
        self.configuration = configuration ?? store.configuration
        self.logger = logger
        self.sampleDataWorkspaces = sampleDataWorkspaces
    }

    /// Provisions `workspace` (recorded by `ControlStore.createWorkspace`),
    /// moving its status to `provisioning`, then `active`, or `failed` with
    /// the reason.
    public func provision(workspace: WorkspaceID) async throws -> ProvisionReport {
        try await coalescer.run(workspace) { [self] in
            try await provisionOnce(workspace)
        }
    }

    /// Whether the server really holds the workspace at the current schema
    /// version: its database exists and has recorded the latest migration.
    /// Asks the server, not the store, whose status may be stale (someone may
    /// have dropped the database by hand).
    public func isProvisioned(workspace: WorkspaceID) async throws -> Bool {
        let upstream = try await upstream(of: workspace)
        do {
            let databaseExists = try await store.upstreamAdmin.withConnection(
                to: upstream, database: upstream.adminDatabase
            ) { admin in
                try await admin.isTrue(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = \(workspace.databaseName))",
                    logger: logger
                )
            }
            guard databaseExists else { return false }
            return try await store.upstreamAdmin.withConnection(
                to: upstream, database: workspace.databaseName
            ) { connection in
                let hasTable = try await connection.isTrue(
                    "SELECT to_regclass('dl_meta.schema_migrations') IS NOT NULL",
                    logger: logger
                )
                guard hasTable else { return false }
                return try await connection.isTrue(
                    """
                    SELECT EXISTS (SELECT 1 FROM dl_meta.schema_migrations WHERE version = \(WorkspaceSchema.latestVersion))
                    """,
                    logger: logger
                )
            }
        } catch {
            throw ControlStore.mapped(error)
        }
    }

    // MARK: The run

    private func provisionOnce(_ workspace: WorkspaceID) async throws -> ProvisionReport {
        let upstream = try await upstream(of: workspace)
        try await store.setStatus(workspace, status: .provisioning, detail: nil)
        do {
            let report = try await store.upstreamAdmin.withConnection(
                to: upstream, database: upstream.adminDatabase
            ) { admin in
                try await UpstreamAdmin.withWorkspaceLock(workspace, on: admin, logger: logger) {
                    try await build(workspace, on: upstream, admin: admin)
                }
            }
            try await store.setStatus(workspace, status: .active, detail: nil)
            logger.info(
                "provisioned workspace",
                metadata: [
                    "workspace": "\(workspace)",
                    "upstream": "\(upstream.name)",
                    "created_roles": "\(report.createdRoles.count)",
                    "created_database": "\(report.createdDatabase)",
                    "sample_rows": "\(report.sampleRowsInserted)",
                ]
            )
            return report
        } catch {
            let detail = PostgresFailure.summary(of: error)
            logger.error("provisioning failed", metadata: ["workspace": "\(workspace)", "error": "\(detail)"])
            try? await store.setStatus(workspace, status: .failed, detail: detail)
            if let controlPlaneError = error as? ControlPlaneError, case .upstreamUnavailable = controlPlaneError {
                throw controlPlaneError
            }
            throw ControlPlaneError.provisioningFailed(detail)
        }
    }

    /// Everything, in order, while holding the workspace lock on `admin`.
    private func build(
        _ workspace: WorkspaceID,
        on upstream: UpstreamServer,
        admin: PostgresConnection
    ) async throws -> ProvisionReport {
        // Read under the lock: a password rotation holds the same lock, so
        // the verifiers set below are the ones the store keeps.
        guard let customer = try await store.credential(workspace: workspace, role: .customer) else {
            throw ControlPlaneError.credentialNotFound(workspace, .customer)
        }
        guard let runtime = try await store.credential(workspace: workspace, role: .runtime) else {
            throw ControlPlaneError.credentialNotFound(workspace, .runtime)
        }
        let createdRoles = try await ensureRoles(workspace, customer: customer, runtime: runtime, admin: admin)
        let createdDatabase = try await ensureDatabase(workspace, admin: admin)
        let (recorded, sampleRows) = try await store.upstreamAdmin.withConnection(
            to: upstream, database: workspace.databaseName
        ) { connection in
            try await buildSchema(workspace, on: connection)
        }
        return ProvisionReport(
            workspace: workspace,
            upstream: upstream.name,
            database: workspace.databaseName,
            createdRoles: createdRoles,
            createdDatabase: createdDatabase,
            recordedMigrations: recorded,
            schemaVersion: WorkspaceSchema.latestVersion,
            sampleRowsInserted: sampleRows
        )
    }

    /// The three roles, with their attributes, membership and passwords
    /// brought to what the contract says even if someone changed them.
    /// Returns the roles created by this call.
    private func ensureRoles(
        _ workspace: WorkspaceID,
        customer: RoleCredential,
        runtime: RoleCredential,
        admin: PostgresConnection
    ) async throws -> [String] {
        let ownerName = workspace.ownerRoleName
        let owner = SQLText.identifier(ownerName)
        let customerRole = SQLText.identifier(customer.roleName)
        let runtimeRole = SQLText.identifier(runtime.roleName)
        // Nobody gets more than what the grants give them.
        let powerless = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        var created: [String] = []

        if try await createRoleIfMissing(ownerName, options: "NOLOGIN", admin: admin) {
            created.append(ownerName)
        }
        try await execute("ALTER ROLE \(owner) NOLOGIN \(powerless)", on: admin)

        if try await createRoleIfMissing(customer.roleName, options: "LOGIN", admin: admin) {
            created.append(customer.roleName)
        }
        try await execute(
            "ALTER ROLE \(customerRole) LOGIN \(powerless) CONNECTION LIMIT \(configuration.customerConnectionLimit)",
            on: admin
        )

        if try await createRoleIfMissing(runtime.roleName, options: "LOGIN IN ROLE \(owner)", admin: admin) {
            created.append(runtime.roleName)
        }
        try await execute("ALTER ROLE \(runtimeRole) LOGIN INHERIT \(powerless)", on: admin)
        let isMember = try await admin.isTrue(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_catalog.pg_auth_members m
                JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
                JOIN pg_catalog.pg_roles u ON u.oid = m.member
                WHERE r.rolname = \(ownerName) AND u.rolname = \(runtime.roleName))
            """,
            logger: logger
        )
        if !isMember {
            try await execute("GRANT \(owner) TO \(runtimeRole)", on: admin)
        }

        try await UpstreamAdmin.setPassword(of: customer.roleName, to: customer.verifier, on: admin)
        try await UpstreamAdmin.setPassword(of: runtime.roleName, to: runtime.verifier, on: admin)
        // An unqualified name resolves nowhere (pg_catalog is still searched).
        try await execute("ALTER ROLE \(customerRole) SET search_path = ''", on: admin)
        return created
    }

    private func createRoleIfMissing(_ name: String, options: String, admin: PostgresConnection) async throws -> Bool {
        if try await UpstreamAdmin.roleExists(name, on: admin, logger: logger) {
            return false
        }
        do {
            try await execute("CREATE ROLE \(SQLText.identifier(name)) \(options)", on: admin)
            return true
        } catch where PostgresFailure.sqlState(of: error) == PostgresFailure.duplicateObject {
            return false
        }
    }

    /// The database, owned by the owner role, reachable only by the
    /// workspace's two login roles (every workspace database revokes
    /// `CONNECT` from `PUBLIC`), and with no `TEMP` for anyone but the owner.
    private func ensureDatabase(_ workspace: WorkspaceID, admin: PostgresConnection) async throws -> Bool {
        let database = SQLText.identifier(workspace.databaseName)
        let owner = SQLText.identifier(workspace.ownerRoleName)
        let created = try await UpstreamAdmin.createDatabaseIfMissing(
            workspace.databaseName, owner: workspace.ownerRoleName, on: admin, logger: logger
        )
        try await execute("ALTER DATABASE \(database) OWNER TO \(owner)", on: admin)
        try await execute("REVOKE CONNECT, TEMPORARY ON DATABASE \(database) FROM PUBLIC", on: admin)
        try await execute(
            """
            GRANT CONNECT ON DATABASE \(database) TO \(SQLText.identifier(workspace.roleName(.customer))), \
            \(SQLText.identifier(workspace.roleName(.runtime)))
            """,
            on: admin
        )
        return created
    }

    /// Inside the workspace database, in one transaction: languages, the
    /// schema as the owner, grants, migration records and demo rows. Returns
    /// the newly recorded versions and the sample rows inserted.
    private func buildSchema(_ workspace: WorkspaceID, on connection: PostgresConnection) async throws -> ([Int], Int) {
        let privileges = WorkspacePrivileges(workspace: workspace)
        return try await connection.inTransaction(logger: logger) { transaction in
            for statement in privileges.languageStatements {
                try await execute(statement, on: transaction)
            }
            try await execute("SET LOCAL ROLE \(SQLText.identifier(workspace.ownerRoleName))", on: transaction)
            for migration in WorkspaceSchema.migrations {
                for step in migration.steps {
                    try await step.apply(on: transaction, logger: logger)
                }
            }
            for statement in privileges.ownerStatements {
                try await execute(statement, on: transaction)
            }
            var recorded: [Int] = []
            for migration in WorkspaceSchema.migrations {
                for try await version in try await transaction.query(
                    """
                    INSERT INTO dl_meta.schema_migrations (version, description)
                    VALUES (\(migration.version), \(migration.description))
                    ON CONFLICT DO NOTHING
                    RETURNING version
                    """,
                    logger: logger
                ).decode(Int.self) {
                    recorded.append(version)
                }
            }
            var sampleRows = 0
            if sampleDataWorkspaces.contains(workspace.rawValue) {
                for statement in DemoDataset.statements {
                    for try await count in try await transaction.query(
                        PostgresQuery(unsafeSQL: statement), logger: logger
                    ).decode(Int.self) {
                        sampleRows += count
                    }
                }
            }
            try await execute("RESET ROLE", on: transaction)
            for statement in privileges.superuserStatements {
                try await execute(statement, on: transaction)
            }
            return (recorded, sampleRows)
        }
    }

    // MARK: Helpers

    private func upstream(of workspace: WorkspaceID) async throws -> UpstreamServer {
        guard let record = try await store.workspace(workspace) else {
            throw ControlPlaneError.workspaceNotFound(workspace)
        }
        guard let upstream = configuration.upstream(named: record.upstream) else {
            throw ControlPlaneError.unknownUpstream(record.upstream)
        }
        return upstream
    }

    private func execute(_ sql: String, on connection: PostgresConnection) async throws {
        try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
