import Foundation
import Logging
import PostgresNIO
import SluiceModel
import Testing

@testable import ControlPlane

/// The real PostgreSQL the integration tests run against, named by
/// `SLUICE_TEST_UPSTREAM_URL` (a superuser URL).
///
/// Without it the integration suites are skipped on a developer machine, but
/// run (and fail at once) when `CI=true`, so CI can never pass by silently
/// testing nothing.
enum TestUpstream {
    static let environmentKey = "SLUICE_TEST_UPSTREAM_URL"

    static var url: String? {
        guard let value = ProcessInfo.processInfo.environment[environmentKey], !value.isEmpty else { return nil }
        return value
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The trait condition of every integration suite.
    static var enabled: Bool { url != nil || isCI }

    /// The control database most tests share; each test uses its own
    /// workspace ids, so they do not see each other's rows.
    static let sharedControlDatabase = "sluice_control_test"

    /// One key for the whole run: every row a test reads was sealed in it.
    static let masterKey = MasterKey.generate()

    static let logger: Logger = {
        var logger = Logger(label: "sluice.control-plane.tests")
        logger.logLevel = .warning
        return logger
    }()

    static func server(name: String = "test") throws -> UpstreamServer {
        guard let url else {
            throw TestSetupError(
                "\(environmentKey) is not set; with CI=true the integration tests must run against a real PostgreSQL"
            )
        }
        guard let server = UpstreamServer(url: url, name: name) else {
            throw TestSetupError("\(environmentKey) is not a postgresql:// URL")
        }
        return server
    }

    /// A workspace id no other test (or earlier run) uses.
    static func uniqueID(_ prefix: String) throws -> WorkspaceID {
        try #require(WorkspaceID("\(prefix)_\(randomSuffix())"))
    }

    static func randomSuffix(_ length: Int = 8) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// A migrated store running for the duration of `body`. Afterwards the
    /// workspaces in `cleaningUp` are removed, and with `dropControlDatabase`
    /// the control database too (for tests that use a fresh one).
    static func withStore<Result: Sendable>(
        controlDatabase: String = sharedControlDatabase,
        upstreams: [UpstreamServer]? = nil,
        controlUpstream: UpstreamServer? = nil,
        dropControlDatabase: Bool = false,
        migrate: Bool = true,
        cleaningUp workspaces: [WorkspaceID] = [],
        _ body: (ControlStore) async throws -> Result
    ) async throws -> Result {
        let server = try server()
        let configuration = try ControlPlaneConfiguration(
            upstreams: upstreams ?? [server],
            controlDatabase: controlDatabase,
            controlUpstream: controlUpstream,
            masterKey: masterKey,
            customerConnectionLimit: 5
        )
        let store = ControlStore(configuration: configuration, logger: logger)
        let outcome: Swift.Result<Result, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            let outcome: Swift.Result<Result, any Error>
            do {
                if migrate {
                    try await store.migrate()
                }
                outcome = .success(try await body(store))
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return outcome
        }
        for workspace in workspaces {
            await dropWorkspace(workspace)
        }
        if dropControlDatabase {
            await dropDatabase(controlDatabase)
        }
        return try outcome.get()
    }

    static func dropWorkspace(_ workspace: WorkspaceID) async {
        await dropDatabase(workspace.databaseName)
        try? await withAdminConnection(database: sharedControlDatabase) { control in
            try await control.run(
                "DELETE FROM public.workspaces WHERE id = \(workspace.rawValue)", logger: logger
            )
        }
        try? await withAdminConnection { admin in
            for role in [workspace.roleName(.customer), workspace.roleName(.runtime), workspace.ownerRoleName] {
                try? await admin.run(
                    PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(SQLText.identifier(role))"), logger: logger
                )
            }
        }
    }

    static func dropDatabase(_ name: String) async {
        try? await withAdminConnection { admin in
            try await admin.run(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(SQLText.identifier(name)) WITH (FORCE)"),
                logger: logger
            )
        }
    }

    static func withAdminConnection<Result>(
        database: String? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let server = try server()
        return try await UpstreamAdmin(upstreams: [server], logger: logger).withConnection(
            to: server, database: database ?? server.adminDatabase, body
        )
    }

    /// A direct connection to the test server as `user`, bypassing the
    /// proxy: what the server itself allows that role.
    static func withConnection<Result>(
        user: String,
        password: String,
        database: String,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(user: user, password: password, database: database)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func connect(user: String, password: String, database: String) async throws -> PostgresConnection {
        let server = try server()
        var configuration = try UpstreamAdmin(upstreams: [server], logger: logger)
            .connectionConfiguration(server, database: database)
        configuration.username = user
        configuration.password = password
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    /// The SQLSTATE of a server error, looking through PostgresNIO's wrappers.
    static func sqlState(of error: any Error) -> String? {
        PostgresFailure.sqlState(of: error)
    }

    /// Runs `body` and checks that the server refused it with `state`.
    static func expectSQLState(
        _ state: String,
        _ comment: Comment,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected SQLSTATE \(state), but it succeeded: \(comment)", sourceLocation: sourceLocation)
        } catch {
            let actual = sqlState(of: error)
            #expect(
                actual == state,
                "\(comment): got \(actual ?? PostgresFailure.summary(of: error))",
                sourceLocation: sourceLocation
            )
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
