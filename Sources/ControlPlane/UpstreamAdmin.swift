import Logging
import PGSession
import PostgresNIO
import SluiceModel

/// Short-lived superuser sessions on an upstream server, and the few
/// operations that the store (password rotation) and the provisioner share.
///
/// Provisioning and rotation both set role passwords on the server; they
/// serialise on one advisory lock per workspace, taken on the admin
/// connection, so a rotation can never be overwritten by a provisioning run
/// that read the previous password a moment earlier.
struct UpstreamAdmin: Sendable {
    /// One TLS context for every admin connection: building it loads the
    /// system's trust roots, which should happen once, not per connection.
    /// nil when no upstream wants TLS, or when it could not be built (then
    /// `tlsSetupError` says why, and TLS connections fail with it).
    let tlsContext: NIOSSLContext?
    let tlsSetupError: String?
    let logger: Logger

    init(upstreams: [UpstreamServer], logger: Logger) {
        var context: NIOSSLContext?
        var setupError: String?
        if upstreams.contains(where: \.tls) {
            do {
                context = try NIOSSLContext(configuration: .makeClientConfiguration())
            } catch {
                setupError = "\(error)"
            }
        }
        self.tlsContext = context
        self.tlsSetupError = setupError
        self.logger = logger
    }

    /// Opens a connection as the upstream's admin to `database`, runs `body`
    /// and closes the connection whatever happens.
    func withConnection<Result>(
        to upstream: UpstreamServer,
        database: String,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(upstream, database: database),
                id: Int.random(in: 1...Int(Int32.max)),
                logger: logger
            )
        } catch {
            throw ControlPlaneError.upstreamUnavailable(
                "\(upstream.name) (\(upstream.host):\(upstream.port), database \(database)): "
                    + PostgresFailure.summary(of: error)
            )
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Configuration of a direct connection as the upstream's admin.
    func connectionConfiguration(
        _ upstream: UpstreamServer,
        database: String
    ) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if upstream.tls {
            guard let tlsContext else {
                throw ControlPlaneError.invalidConfiguration(
                    "upstream \(upstream.name) wants TLS, which could not be set up: \(tlsSetupError ?? "not configured")"
                )
            }
            tls = .require(tlsContext)
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: upstream.host,
            port: upstream.port,
            username: upstream.adminUser,
            password: upstream.adminPassword,
            database: database,
            tls: tls
        )
        configuration.options.additionalStartupParameters = [("application_name", "sluice-control")]
        return configuration
    }

    /// Holds the workspace's advisory lock on `connection` while `body` runs.
    ///
    /// A session lock (not a transaction lock) because provisioning spans
    /// several transactions and a second connection; it is released
    /// explicitly, and by the server if the connection drops.
    static func withWorkspaceLock<Result>(
        _ workspace: WorkspaceID,
        on connection: PostgresConnection,
        logger: Logger,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let key = "sluice.workspace:\(workspace.rawValue)"
        try await connection.run("SELECT pg_advisory_lock(hashtextextended(\(key), 0))", logger: logger)
        do {
            let result = try await body()
            try await connection.run("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", logger: logger)
            return result
        } catch {
            try? await connection.run("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", logger: logger)
            throw error
        }
    }

    static func roleExists(_ roleName: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.isTrue(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = \(roleName))",
            logger: logger
        )
    }

    /// Sets a role's password to a SCRAM verifier.
    ///
    /// The literal is the verifier, which PostgreSQL stores as given: the
    /// plaintext never travels to the server, so it cannot end up in the
    /// server's statement log. The statement runs with a silent logger, since
    /// PostgresNIO's trace output would print it.
    static func setPassword(
        of roleName: String,
        to verifier: SCRAMVerifier,
        on connection: PostgresConnection
    ) async throws {
        let sql = "ALTER ROLE \(SQLText.identifier(roleName)) PASSWORD \(SQLText.literal(verifier.encoded))"
        try await connection.run(PostgresQuery(unsafeSQL: sql), logger: silentLogger)
    }

    /// Creates database `name` unless it exists; returns whether this call
    /// created it.
    ///
    /// `CREATE DATABASE` cannot run in a transaction, so two processes can
    /// both see it missing: the loser gets `duplicate_database` (or, in a
    /// narrower race, a unique violation on `pg_database`), which means the
    /// database exists, as wanted. It is made from `template0` in UTF8 so
    /// objects someone added to `template1` do not leak into it and names in
    /// any script can be stored; a cluster whose locale cannot hold UTF8 gets
    /// the `C` locale for this database instead of a failure.
    static func createDatabaseIfMissing(
        _ name: String,
        owner: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let exists = try await connection.isTrue(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = \(name))",
            logger: logger
        )
        if exists { return false }
        var sql = "CREATE DATABASE \(SQLText.identifier(name))"
        if let owner {
            sql += " OWNER \(SQLText.identifier(owner))"
        }
        sql += " TEMPLATE template0 ENCODING 'UTF8'"
        do {
            try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
            return true
        } catch where isAlreadyThere(error) {
            return false
        } catch where PostgresFailure.sqlState(of: error) == "22023" {
            do {
                try await connection.run(PostgresQuery(unsafeSQL: sql + " LC_COLLATE 'C' LC_CTYPE 'C'"), logger: logger)
                return true
            } catch where isAlreadyThere(error) {
                return false
            }
        }
    }

    private static func isAlreadyThere(_ error: any Error) -> Bool {
        let state = PostgresFailure.sqlState(of: error)
        return state == PostgresFailure.duplicateDatabase || state == PostgresFailure.uniqueViolation
    }

    /// A logger for statements that carry a verifier.
    static let silentLogger = Logger(label: "sluice.control.silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
