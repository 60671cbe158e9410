import Foundation
import PostgresNIO
import SluiceModel
import Testing

@testable import ControlPlane

/// The server's own wall (policy.md, Defence in depth): what a customer role
/// can and cannot do when it talks to PostgreSQL directly, with no proxy in
/// between.
@Suite(.enabled(if: TestUpstream.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL 15 superuser URL"))
struct CustomerRoleTests {
    @Test func theServerRefusesTheCustomerWhatPolicyDenies() async throws {
        let id = try TestUpstream.uniqueID("wall")
        let neighbour = try TestUpstream.uniqueID("nbr")
        try await TestUpstream.withStore(cleaningUp: [id, neighbour]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger, sampleDataWorkspaces: [id.rawValue])
            _ = try await store.createWorkspace(id: id, name: "Wall")
            _ = try await store.createWorkspace(id: neighbour, name: "Neighbour")
            _ = try await provisioner.provision(workspace: id)
            _ = try await provisioner.provision(workspace: neighbour)
            let customer = try #require(try await store.credential(workspace: id, role: .customer))
            let runtime = try #require(try await store.credential(workspace: id, role: .runtime))
            let logger = TestUpstream.logger

            try await TestUpstream.withConnection(
                user: customer.roleName, password: customer.password, database: customer.database
            ) { connection in
                var searchPath: String?
                for try await value in try await connection.query("SHOW search_path", logger: logger).decode(String.self) {
                    searchPath = value
                }
                #expect(searchPath == "\"\"")

                var people = 0
                for try await count in try await connection.query(
                    "SELECT count(*)::bigint FROM dl_resolved.people", logger: logger
                ).decode(Int.self) {
                    people = count
                }
                #expect(people >= 200)
                for relation in [
                    "dl_resolved.companies", "dl_cache.person_enrichments", "dl_cache.company_enrichments",
                    "dl_override.person_overrides", "dl_override.company_overrides",
                    "dl_meta.schema_migrations", "dl_meta.tenant_settings",
                ] {
                    try await connection.run(PostgresQuery(unsafeSQL: "SELECT * FROM \(relation) LIMIT 1"), logger: logger)
                }

                await TestUpstream.expectSQLState("42501", "CREATE TEMP TABLE") {
                    try await connection.run("CREATE TEMP TABLE t (x int)", logger: logger)
                }
                await TestUpstream.expectSQLState("42501", "DO block") {
                    try await connection.run("DO $$ BEGIN END $$", logger: logger)
                }
                await TestUpstream.expectSQLState("42501", "CREATE FUNCTION in sql") {
                    try await connection.run(
                        "CREATE FUNCTION storage.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", logger: logger
                    )
                }
                await TestUpstream.expectSQLState("42501", "INSERT into dl_cache") {
                    try await connection.run(
                        """
                        INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at)
                        VALUES ('x', 'X', now(), now())
                        """,
                        logger: logger
                    )
                }
                await TestUpstream.expectSQLState("42501", "UPDATE dl_override") {
                    try await connection.run("UPDATE dl_override.person_overrides SET tombstoned = true", logger: logger)
                }
                await TestUpstream.expectSQLState("42501", "CREATE TABLE in a managed schema") {
                    try await connection.run("CREATE TABLE dl_cache.mine (x int)", logger: logger)
                }
                await TestUpstream.expectSQLState("42P01", "an unqualified name resolves nowhere") {
                    try await connection.run("SELECT * FROM people", logger: logger)
                }

                try await connection.run("CREATE TABLE storage.t (x int)", logger: logger)
                try await connection.run("INSERT INTO storage.t VALUES (1), (2)", logger: logger)
                try await connection.run("SELECT * FROM storage.t", logger: logger)
            }

            // Another workspace's database is closed to this customer.
            await TestUpstream.expectSQLState("42501", "CONNECT to the neighbour's database") {
                try await TestUpstream.withConnection(
                    user: customer.roleName, password: customer.password, database: neighbour.databaseName
                ) { _ in }
            }

            // The runtime role writes the managed schemas and can use the
            // customer's storage tables.
            try await TestUpstream.withConnection(
                user: runtime.roleName, password: runtime.password, database: runtime.database
            ) { connection in
                try await connection.run(
                    """
                    INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at)
                    VALUES ('runtime-written', 'Runtime', now(), now())
                    """,
                    logger: logger
                )
                try await connection.run("INSERT INTO storage.t VALUES (3)", logger: logger)
                try await connection.run("SELECT * FROM storage.t", logger: logger)
            }
        }
    }
}
