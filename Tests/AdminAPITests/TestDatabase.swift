import AdminAPI
import ControlPlane
import Foundation
import Logging
import PostgresNIO
import SluiceModel
import SluiceTestSupport
import Synchronization
import Testing

/// The real PostgreSQL of the integration tests (`SLUICE_TEST_UPSTREAM_URL`):
/// skipped without it on a developer machine, a failure with `CI=true`.
enum TestDatabase {
    static var enabled: Bool { TestPostgres.shouldRun }

    /// A control database of its own, so these tests never meet the rows of
    /// the control-plane suites.
    static let controlDatabase = "sluice_control_api_test"
    static let masterKey = MasterKey.generate()

    static func server() throws -> UpstreamServer {
        let postgres = try TestPostgres.require()
        return UpstreamServer(
            name: "test", host: postgres.host, port: postgres.port,
            adminUser: postgres.user, adminPassword: postgres.password, adminDatabase: postgres.database
        )
    }

    /// An upstream nothing listens on (port 1, as the other suites use).
    static func unreachableServer(name: String) -> UpstreamServer {
        UpstreamServer(name: name, host: "127.0.0.1", port: 1, adminUser: "postgres", adminPassword: nil)
    }

    static func uniqueID(_ prefix: String) throws -> WorkspaceID {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
        return try #require(WorkspaceID("api_\(prefix)_\(suffix)"))
    }

    /// A migrated, running store for `body`; the workspaces it names in
    /// `cleanup` (and their databases and roles) are removed afterwards.
    /// `upstreams` replaces the one real server as the workspace upstreams
    /// (the control database stays on the real one).
    static func withStore<T: Sendable>(
        cleanup: Cleanup = Cleanup(),
        upstreams: [UpstreamServer]? = nil,
        _ body: (ControlStore) async throws -> T
    ) async throws -> T {
        let real = try server()
        let configuration = try ControlPlaneConfiguration(
            upstreams: upstreams ?? [real], controlDatabase: controlDatabase, controlUpstream: real,
            masterKey: masterKey, customerConnectionLimit: 5
        )
        let store = ControlStore(configuration: configuration, logger: Fixture.logger)
        let outcome: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            let outcome: Result<T, any Error>
            do {
                try await store.migrate()
                outcome = .success(try await body(store))
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return outcome
        }
        for workspace in cleanup.workspaces {
            await drop(workspace)
        }
        return try outcome.get()
    }

    /// Workspaces a test made, for removal afterwards.
    final class Cleanup: Sendable {
        private let state = Mutex<[WorkspaceID]>([])
        init() {}
        var workspaces: [WorkspaceID] { state.withLock { $0 } }
        func add(_ workspace: WorkspaceID) { state.withLock { $0.append(workspace) } }
    }

    static func drop(_ workspace: WorkspaceID) async {
        try? await withAdminConnection { admin in
            try await execute("DROP DATABASE IF EXISTS \"\(workspace.databaseName)\" WITH (FORCE)", on: admin)
            for role in [workspace.roleName(.customer), workspace.roleName(.runtime), workspace.ownerRoleName] {
                try? await execute("DROP ROLE IF EXISTS \"\(role)\"", on: admin)
            }
        }
        try? await withAdminConnection(database: controlDatabase) { control in
            for try await _ in try await control.query(
                "DELETE FROM public.workspaces WHERE id = \(workspace.rawValue)", logger: Fixture.logger
            ) {}
        }
    }

    /// Drops a workspace database by hand, as an operator might.
    static func dropDatabase(of workspace: WorkspaceID) async throws {
        try await withAdminConnection { admin in
            try await execute("DROP DATABASE IF EXISTS \"\(workspace.databaseName)\" WITH (FORCE)", on: admin)
        }
    }

    /// Runs a statement to completion (draining its rows).
    static func execute(_ sql: String, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Fixture.logger) {}
    }

    static func withAdminConnection<T>(
        database: String? = nil, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let server = try server()
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: server.host, port: server.port, username: server.adminUser, password: server.adminPassword,
                database: database ?? server.adminDatabase, tls: .disable
            ),
            id: 1, logger: Fixture.logger
        )
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
