import Foundation
import Logging
import PGSession
import PostgresNIO
import SluiceModel

/// The control plane's record of workspaces and their secrets, kept in a
/// PostgreSQL database (`sluice_control` by default) on the control upstream.
///
/// Role passwords are stored sealed with the master key (the proxy needs the
/// plaintext to log in upstream) next to their SCRAM verifier (the proxy
/// authenticates clients against it without decrypting anything). Every value
/// reaches SQL as a bind parameter; nothing here logs a password.
public final class ControlStore: Sendable {
    public let configuration: ControlPlaneConfiguration
    let client: PostgresClient
    let logger: Logger
    /// Admin sessions on the upstreams, shared with the provisioner.
    let upstreamAdmin: UpstreamAdmin

    /// Iterations of SCRAM verifiers, PostgreSQL's default.
    static let scramIterations = 4096

    public init(configuration: ControlPlaneConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.upstreamAdmin = UpstreamAdmin(
            upstreams: configuration.upstreams + [configuration.controlUpstream], logger: logger
        )
        let upstream = configuration.controlUpstream
        var clientConfiguration = PostgresClient.Configuration(
            host: upstream.host,
            port: upstream.port,
            username: upstream.adminUser,
            password: upstream.adminPassword,
            database: configuration.controlDatabase,
            tls: upstream.tls ? .require(.makeClientConfiguration()) : .disable
        )
        clientConfiguration.options.maximumConnections = 8
        clientConfiguration.options.additionalStartupParameters = [("application_name", "sluice-control")]
        self.client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled (or the service
    /// group shuts down); every other method waits for it to be running.
    public func run() async {
        await client.run()
    }

    // MARK: Migrations

    /// Creates the control database if it is missing, then applies the
    /// migrations it has not seen; returns the versions applied by this call.
    ///
    /// An advisory lock in the control database makes processes that start
    /// together take turns: the second finds everything applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await ensureControlDatabase()
        return try await withControlConnection { connection in
            let lock: PostgresQuery = "SELECT pg_advisory_lock(hashtextextended('sluice.control.migrate', 0))"
            let unlock: PostgresQuery = "SELECT pg_advisory_unlock(hashtextextended('sluice.control.migrate', 0))"
            try await connection.run(lock, logger: logger)
            do {
                try await connection.run(PostgresQuery(unsafeSQL: ControlSchema.migrationsTable), logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query(
                    "SELECT version FROM public.schema_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                var newlyApplied: [Int] = []
                for migration in ControlSchema.migrations where !applied.contains(migration.version) {
                    try await connection.inTransaction(logger: logger) { transaction in
                        for step in migration.steps {
                            try await step.apply(on: transaction, logger: logger)
                        }
                        try await transaction.run(
                            """
                            INSERT INTO public.schema_migrations (version, description)
                            VALUES (\(migration.version), \(migration.description))
                            """,
                            logger: logger
                        )
                    }
                    logger.info("applied control migration", metadata: ["version": "\(migration.version)"])
                    newlyApplied.append(migration.version)
                }
                try await connection.run(unlock, logger: logger)
                return newlyApplied
            } catch {
                try? await connection.run(unlock, logger: logger)
                throw error
            }
        }
    }

    /// `CREATE DATABASE` cannot run inside a transaction or in the database
    /// being created, so this happens on a separate connection to the
    /// upstream's admin database, before the pool first connects.
    private func ensureControlDatabase() async throws {
        let upstream = configuration.controlUpstream
        let name = configuration.controlDatabase
        try await upstreamAdmin.withConnection(to: upstream, database: upstream.adminDatabase) { admin in
            do {
                let created = try await UpstreamAdmin.createDatabaseIfMissing(name, owner: nil, on: admin, logger: logger)
                if created {
                    // Workspace roles log in to the same server: they have no
                    // business connecting to the control database.
                    try await admin.run(
                        PostgresQuery(unsafeSQL: "REVOKE CONNECT, TEMPORARY ON DATABASE \(SQLText.identifier(name)) FROM PUBLIC"),
                        logger: logger
                    )
                    logger.info("created control database", metadata: ["database": "\(name)"])
                }
            } catch {
                throw Self.mapped(error)
            }
        }
    }

    // MARK: Workspaces

    /// Records a new workspace on the upstream hosting the fewest workspaces
    /// and stores fresh random passwords for its customer and runtime roles.
    /// Nothing is created on the upstream: that is `Provisioner.provision`.
    public func createWorkspace(id: WorkspaceID, name: String) async throws -> WorkspaceRecord {
        // PBKDF2 costs milliseconds: derive the secrets before taking locks.
        let secrets = try RoleKind.allCases.map { kind in
            try makeSecret(workspace: id, role: kind)
        }
        return try await withControlConnection { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                // Concurrent creations would all see the same counts and pile
                // onto one upstream; placing them one at a time keeps the
                // spread even.
                try await transaction.run(
                    "SELECT pg_advisory_xact_lock(hashtextextended('sluice.control.placement', 0))",
                    logger: logger
                )
                var counts: [String: Int] = [:]
                for try await (upstream, count) in try await transaction.query(
                    "SELECT upstream, count(*)::bigint FROM public.workspaces GROUP BY upstream", logger: logger
                ).decode((String, Int).self) {
                    counts[upstream] = count
                }
                let placement = configuration.upstreams.enumerated().min { lhs, rhs in
                    let left = counts[lhs.element.name] ?? 0
                    let right = counts[rhs.element.name] ?? 0
                    return left != right ? left < right : lhs.offset < rhs.offset
                }
                guard let upstream = placement?.element else {
                    throw ControlPlaneError.invalidConfiguration("no upstream server is configured")
                }
                if id.rawValue.utf8.count >= WorkspaceID.longestVerbatimStem {
                    // Under the placement lock, so two creations cannot both pass.
                    var long: [String] = []
                    for try await (other,) in try await transaction.query(
                        "SELECT id FROM public.workspaces WHERE length(id) >= \(WorkspaceID.longestVerbatimStem)", logger: logger
                    ).decode((String,).self) {
                        long.append(other)
                    }
                    if let holder = ServerNames.holder(ofNamesOf: id, among: long) {
                        throw ControlPlaneError.serverNamesTaken(id, by: holder)
                    }
                }

                var record: WorkspaceRecord?
                for try await row in try await transaction.query(
                    """
                    INSERT INTO public.workspaces (id, name, upstream) VALUES (\(id.rawValue), \(name), \(upstream.name))
                    ON CONFLICT (id) DO NOTHING
                    RETURNING id, name, upstream, status, status_detail, created_at, provisioned_at
                    """,
                    logger: logger
                ).decode(WorkspaceRecord.Columns.self) {
                    record = try WorkspaceRecord(columns: row)
                }
                guard let record else {
                    throw ControlPlaneError.workspaceExists(id)
                }
                for secret in secrets {
                    try await transaction.run(
                        """
                        INSERT INTO public.role_credentials (workspace_id, kind, role_name, password_sealed, scram_verifier)
                        VALUES (\(id.rawValue), \(secret.role.rawValue), \(id.roleName(secret.role)),
                                \(ByteBuffer(bytes: secret.sealed)), \(secret.verifier.encoded))
                        """,
                        logger: logger
                    )
                }
                logger.info("created workspace", metadata: ["workspace": "\(id)", "upstream": "\(upstream.name)"])
                return record
            }
        }
    }

    public func workspace(_ id: WorkspaceID) async throws -> WorkspaceRecord? {
        try await withControlConnection { connection in
            var record: WorkspaceRecord?
            for try await row in try await connection.query(
                """
                SELECT id, name, upstream, status, status_detail, created_at, provisioned_at
                FROM public.workspaces WHERE id = \(id.rawValue)
                """,
                logger: logger
            ).decode(WorkspaceRecord.Columns.self) {
                record = try WorkspaceRecord(columns: row)
            }
            return record
        }
    }

    /// Every workspace, oldest first.
    public func listWorkspaces() async throws -> [WorkspaceRecord] {
        try await withControlConnection { connection in
            var records: [WorkspaceRecord] = []
            for try await row in try await connection.query(
                """
                SELECT id, name, upstream, status, status_detail, created_at, provisioned_at
                FROM public.workspaces ORDER BY created_at, id
                """,
                logger: logger
            ).decode(WorkspaceRecord.Columns.self) {
                records.append(try WorkspaceRecord(columns: row))
            }
            return records
        }
    }

    /// Records a provisioning state; `active` also stamps `provisioned_at`.
    /// `detail` must not contain secrets (it is shown to operators).
    public func setStatus(_ id: WorkspaceID, status: WorkspaceStatus, detail: String?) async throws {
        let found = try await withControlConnection { connection in
            try await connection.isTrue(
                """
                WITH updated AS (
                    UPDATE public.workspaces
                    SET status = \(status.rawValue), status_detail = \(detail),
                        provisioned_at = CASE WHEN \(status.rawValue) = 'active' THEN now() ELSE provisioned_at END
                    WHERE id = \(id.rawValue)
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM updated)
                """,
                logger: logger
            )
        }
        guard found else { throw ControlPlaneError.workspaceNotFound(id) }
    }

    // MARK: Credentials

    /// The decrypted credential of a workspace role, or nil when the
    /// workspace (or that role's row) does not exist.
    public func credential(workspace: WorkspaceID, role: RoleKind) async throws -> RoleCredential? {
        let row = try await withControlConnection { connection in
            var found: StoredCredential?
            for try await columns in try await connection.query(
                """
                SELECT w.upstream, c.role_name, c.password_sealed, c.scram_verifier, c.rotated_at
                FROM public.role_credentials c JOIN public.workspaces w ON w.id = c.workspace_id
                WHERE c.workspace_id = \(workspace.rawValue) AND c.kind = \(role.rawValue)
                """,
                logger: logger
            ).decode((String, String, ByteBuffer, String, Date).self) {
                found = StoredCredential(
                    upstream: columns.0,
                    roleName: columns.1,
                    sealed: Array(columns.2.readableBytesView),
                    verifier: columns.3,
                    rotatedAt: columns.4
                )
            }
            return found
        }
        guard let row else { return nil }
        return try decode(row, workspace: workspace, role: role)
    }

    /// Replaces a role's password, in the store and on the upstream server.
    ///
    /// Both sides must agree or the proxy can no longer log in upstream, so:
    /// the workspace's advisory lock on the upstream keeps a concurrent
    /// provisioning run from writing the previous password back; the new
    /// password is written in a control transaction that holds the row lock,
    /// the server is changed inside that transaction, and the transaction
    /// commits only once the server accepted it. If the server refuses,
    /// nothing changed; if the commit fails after the server changed, the
    /// server gets the previous verifier back. A workspace whose roles do not
    /// exist yet only has its stored password replaced; provisioning sets it.
    public func rotatePassword(workspace: WorkspaceID, role: RoleKind) async throws -> RoleCredential {
        guard let record = try await self.workspace(workspace) else {
            throw ControlPlaneError.workspaceNotFound(workspace)
        }
        guard let upstream = configuration.upstream(named: record.upstream) else {
            throw ControlPlaneError.unknownUpstream(record.upstream)
        }
        let secret = try makeSecret(workspace: workspace, role: role)
        let roleName = workspace.roleName(role)

        let rotatedAt: Date
        do {
            rotatedAt = try await rotate(
                workspace: workspace, role: role, roleName: roleName, secret: secret, upstream: upstream
            )
        } catch {
            throw Self.mapped(error)
        }
        logger.info("rotated password", metadata: ["workspace": "\(workspace)", "role": "\(role.rawValue)"])
        return RoleCredential(
            workspace: workspace,
            role: role,
            roleName: roleName,
            password: secret.password,
            verifier: secret.verifier,
            upstream: upstream,
            database: workspace.databaseName,
            rotatedAt: rotatedAt
        )
    }

    /// The locked, transactional part of `rotatePassword`; returns the new
    /// `rotated_at`.
    private func rotate(
        workspace: WorkspaceID,
        role: RoleKind,
        roleName: String,
        secret: Secret,
        upstream: UpstreamServer
    ) async throws -> Date {
        try await upstreamAdmin.withConnection(to: upstream, database: upstream.adminDatabase) { admin in
            try await UpstreamAdmin.withWorkspaceLock(workspace, on: admin, logger: logger) {
                try await withControlConnection { connection in
                    var previous: SCRAMVerifier?
                    var serverChanged = false
                    var rowFound = false
                    do {
                        return try await connection.inTransaction(logger: logger) { transaction in
                            for try await encoded in try await transaction.query(
                                """
                                SELECT scram_verifier FROM public.role_credentials
                                WHERE workspace_id = \(workspace.rawValue) AND kind = \(role.rawValue)
                                FOR UPDATE
                                """,
                                logger: logger
                            ).decode(String.self) {
                                previous = SCRAMVerifier(encoded: encoded)
                                rowFound = true
                            }
                            guard rowFound else {
                                throw ControlPlaneError.credentialNotFound(workspace, role)
                            }
                            var stamp: Date?
                            for try await value in try await transaction.query(
                                """
                                UPDATE public.role_credentials
                                SET password_sealed = \(ByteBuffer(bytes: secret.sealed)),
                                    scram_verifier = \(secret.verifier.encoded),
                                    rotated_at = now()
                                WHERE workspace_id = \(workspace.rawValue) AND kind = \(role.rawValue)
                                RETURNING rotated_at
                                """,
                                logger: logger
                            ).decode(Date.self) {
                                stamp = value
                            }
                            do {
                                if try await UpstreamAdmin.roleExists(roleName, on: admin, logger: logger) {
                                    try await UpstreamAdmin.setPassword(of: roleName, to: secret.verifier, on: admin)
                                    serverChanged = true
                                }
                            } catch {
                                throw ControlPlaneError.upstreamFailed(PostgresFailure.summary(of: error))
                            }
                            return stamp ?? Date()
                        }
                    } catch {
                        if serverChanged, let previous {
                            try? await UpstreamAdmin.setPassword(of: roleName, to: previous, on: admin)
                        }
                        throw error
                    }
                }
            }
        }
    }

    // MARK: Helpers

    /// A fresh password with its verifier and sealed form.
    private func makeSecret(workspace: WorkspaceID, role: RoleKind) throws -> Secret {
        let password = MasterKey.randomPassword()
        let verifier = SCRAMVerifier(
            password: password,
            salt: MasterKey.randomBytes(16),
            iterations: Self.scramIterations
        )
        let sealed = try configuration.masterKey.seal(password, context: Self.sealContext(workspace, role))
        return Secret(role: role, password: password, verifier: verifier, sealed: sealed)
    }

    private func decode(_ row: StoredCredential, workspace: WorkspaceID, role: RoleKind) throws -> RoleCredential {
        // The role name is derived, not trusted: an altered row must not be
        // able to point the proxy at another server role.
        guard row.roleName == workspace.roleName(role) else {
            throw ControlPlaneError.corruptRecord("credential of \(workspace.rawValue)/\(role.rawValue) names another role")
        }
        guard let verifier = SCRAMVerifier(encoded: row.verifier) else {
            throw ControlPlaneError.corruptRecord("credential of \(workspace.rawValue)/\(role.rawValue) has no valid SCRAM verifier")
        }
        guard let upstream = configuration.upstream(named: row.upstream) else {
            throw ControlPlaneError.unknownUpstream(row.upstream)
        }
        let password = try configuration.masterKey.open(row.sealed, context: Self.sealContext(workspace, role))
        return RoleCredential(
            workspace: workspace,
            role: role,
            roleName: row.roleName,
            password: password,
            verifier: verifier,
            upstream: upstream,
            database: workspace.databaseName,
            rotatedAt: row.rotatedAt
        )
    }

    /// What a sealed password is bound to: its workspace and role.
    static func sealContext(_ workspace: WorkspaceID, _ role: RoleKind) -> String {
        "sluice.role_credentials/\(workspace.rawValue)/\(role.rawValue)"
    }

    /// Leases a control connection, turning PostgresNIO errors into
    /// `ControlPlaneError`s whose text is safe to show.
    func withControlConnection<Result>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await client.withConnection { connection in
                try await body(connection)
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    static func mapped(_ error: any Error) -> any Error {
        if error is ControlPlaneError || error is CancellationError {
            return error
        }
        if PostgresFailure.isConnectionFailure(error) {
            return ControlPlaneError.upstreamUnavailable(PostgresFailure.summary(of: error))
        }
        return ControlPlaneError.database(PostgresFailure.summary(of: error))
    }

    private struct Secret: Sendable {
        var role: RoleKind
        var password: String
        var verifier: SCRAMVerifier
        var sealed: [UInt8]
    }

    private struct StoredCredential: Sendable {
        var upstream: String
        var roleName: String
        var sealed: [UInt8]
        var verifier: String
        var rotatedAt: Date
    }
}
