import Logging
import PostgresNIO

/// One statement of a migration, idempotent by construction.
///
/// PostgreSQL has `IF NOT EXISTS` for tables and schemas but not for types
/// and domains; those are guarded by a catalog lookup instead, so every step
/// can run again on a database that already has it and change nothing.
enum MigrationStep: Sendable {
    /// A statement that is idempotent by itself (`CREATE ... IF NOT EXISTS`,
    /// `CREATE OR REPLACE`, `GRANT`).
    case sql(String)
    /// `sql` creates the type `schema.name`; it runs only when no such type
    /// exists yet.
    case createType(schema: String, name: String, sql: String)

    func apply(on connection: PostgresConnection, logger: Logger) async throws {
        switch self {
        case .sql(let sql):
            try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
        case .createType(let schema, let name, let sql):
            let exists = try await connection.isTrue(
                """
                SELECT EXISTS (
                    SELECT 1 FROM pg_catalog.pg_type t
                    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = \(schema) AND t.typname = \(name))
                """,
                logger: logger
            )
            if !exists {
                try await connection.run(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        }
    }
}
