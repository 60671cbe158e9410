import Foundation
import PostgresNIO
import SluiceModel
import Testing

@testable import ControlPlane

@Suite(.enabled(if: TestUpstream.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL 15 superuser URL"))
struct ProvisionerTests {
    @Test func provisioningTwiceChangesNothing() async throws {
        let id = try TestUpstream.uniqueID("twice")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            // With sample rows, so the second run must also insert none.
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger, sampleDataWorkspaces: [id.rawValue])
            _ = try await store.createWorkspace(id: id, name: "Twice")
            #expect(try await provisioner.isProvisioned(workspace: id) == false)

            let first = try await provisioner.provision(workspace: id)
            #expect(first.createdDatabase)
            #expect(Set(first.createdRoles) == [id.ownerRoleName, id.roleName(.customer), id.roleName(.runtime)])
            #expect(first.recordedMigrations == WorkspaceSchema.migrations.map(\.version))
            #expect(first.schemaVersion == WorkspaceSchema.latestVersion)
            #expect(first.sampleRowsInserted > 250)
            #expect(first.database == id.databaseName)
            let record = try #require(try await store.workspace(id))
            #expect(record.status == .active)
            #expect(record.provisionedAt != nil)
            #expect(try await provisioner.isProvisioned(workspace: id))
            let dumpBefore = try PGDump.schema(of: id.databaseName)
            #expect(dumpBefore.contains("CREATE VIEW dl_resolved.people"))

            let second = try await provisioner.provision(workspace: id)
            #expect(second.changedNothing, "\(second)")
            let dumpAfter = try PGDump.schema(of: id.databaseName)
            #expect(dumpAfter == dumpBefore)
        }
    }

    @Test func aDatabaseDroppedByHandIsRecreated() async throws {
        let id = try TestUpstream.uniqueID("dropped")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            _ = try await store.createWorkspace(id: id, name: "Dropped")
            _ = try await provisioner.provision(workspace: id)
            let dumpBefore = try PGDump.schema(of: id.databaseName)

            await TestUpstream.dropDatabase(id.databaseName)
            #expect(try await provisioner.isProvisioned(workspace: id) == false)

            let report = try await provisioner.provision(workspace: id)
            #expect(report.createdDatabase)
            #expect(report.createdRoles.isEmpty)
            #expect(report.recordedMigrations == WorkspaceSchema.migrations.map(\.version))
            #expect(try await provisioner.isProvisioned(workspace: id))
            #expect(try PGDump.schema(of: id.databaseName) == dumpBefore)

            // And the roles still log in with the stored password.
            let customer = try #require(try await store.credential(workspace: id, role: .customer))
            try await TestUpstream.withConnection(
                user: customer.roleName, password: customer.password, database: customer.database
            ) { connection in
                try await connection.run("SELECT 1 FROM dl_resolved.people", logger: TestUpstream.logger)
            }
        }
    }

    @Test func aMissingMigrationRecordMeansNotProvisioned() async throws {
        let id = try TestUpstream.uniqueID("norecord")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            _ = try await store.createWorkspace(id: id, name: "No record")
            _ = try await provisioner.provision(workspace: id)
            try await TestUpstream.withAdminConnection(database: id.databaseName) { admin in
                try await admin.run("DELETE FROM dl_meta.schema_migrations", logger: TestUpstream.logger)
                try await admin.run("DROP VIEW dl_resolved.companies", logger: TestUpstream.logger)
            }
            #expect(try await provisioner.isProvisioned(workspace: id) == false)
            let report = try await provisioner.provision(workspace: id)
            #expect(!report.createdDatabase)
            #expect(report.recordedMigrations == WorkspaceSchema.migrations.map(\.version))
            #expect(try await provisioner.isProvisioned(workspace: id))
            try await TestUpstream.withAdminConnection(database: id.databaseName) { admin in
                try await admin.run("SELECT * FROM dl_resolved.companies", logger: TestUpstream.logger)
            }
        }
    }

    @Test func concurrentCallsRunOnce() async throws {
        let id = try TestUpstream.uniqueID("conc")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            let other = Provisioner(store: store, logger: TestUpstream.logger)
            _ = try await store.createWorkspace(id: id, name: "Concurrent")

            async let a = provisioner.provision(workspace: id)
            async let b = provisioner.provision(workspace: id)
            async let c = provisioner.provision(workspace: id)
            // A second provisioner stands for another process: it queues
            // on the advisory lock and then finds everything in place, or
            // runs first and the others find it done.
            async let d = other.provision(workspace: id)
            let reports = try await [a, b, c, d]
            #expect(reports[0] == reports[1])
            #expect(reports[1] == reports[2])
            // a, b and c shared one run; that run or d's created the
            // database, not both.
            #expect(reports[0].createdDatabase != reports[3].createdDatabase)
            #expect(try await provisioner.isProvisioned(workspace: id))
            #expect(try await store.workspace(id)?.status == .active)
        }
    }

    @Test func rotationReachesTheServer() async throws {
        let id = try TestUpstream.uniqueID("rotate")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            _ = try await store.createWorkspace(id: id, name: "Rotate")
            _ = try await provisioner.provision(workspace: id)
            let old = try #require(try await store.credential(workspace: id, role: .customer))
            let new = try await store.rotatePassword(workspace: id, role: .customer)
            #expect(new.password != old.password)
            #expect(try await store.credential(workspace: id, role: .customer)?.password == new.password)

            try await TestUpstream.withConnection(user: new.roleName, password: new.password, database: new.database) {
                try await $0.run("SELECT 1", logger: TestUpstream.logger)
            }
            await TestUpstream.expectSQLState("28P01", "the old password no longer logs in") {
                try await TestUpstream.withConnection(user: old.roleName, password: old.password, database: old.database) {
                    try await $0.run("SELECT 1", logger: TestUpstream.logger)
                }
            }
            // Provisioning afterwards keeps the rotated password.
            _ = try await provisioner.provision(workspace: id)
            try await TestUpstream.withConnection(user: new.roleName, password: new.password, database: new.database) {
                try await $0.run("SELECT 1", logger: TestUpstream.logger)
            }
        }
    }

    @Test func anUnreachableUpstreamMarksTheWorkspaceFailed() async throws {
        let live = try TestUpstream.server()
        let dead = UpstreamServer(
            name: "dead", host: "127.0.0.1", port: 1, adminUser: "postgres", adminPassword: "DeadServerSecret"
        )
        let id = try TestUpstream.uniqueID("dead")
        try await TestUpstream.withStore(upstreams: [dead], controlUpstream: live, cleaningUp: [id]) { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            _ = try await store.createWorkspace(id: id, name: "Dead")
            do {
                _ = try await provisioner.provision(workspace: id)
                Issue.record("provisioning on a closed port succeeded")
            } catch let error as ControlPlaneError {
                guard case .upstreamUnavailable = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(!error.description.contains("DeadServerSecret"))
            }
            let record = try #require(try await store.workspace(id))
            #expect(record.status == .failed)
            let detail = try #require(record.statusDetail)
            #expect(detail.contains("dead"))
            #expect(!detail.contains("DeadServerSecret"))
        }
    }

    @Test func unknownWorkspacesAreNotProvisioned() async throws {
        try await TestUpstream.withStore { store in
            let provisioner = Provisioner(store: store, logger: TestUpstream.logger)
            let id = try TestUpstream.uniqueID("ghost")
            await #expect(throws: ControlPlaneError.workspaceNotFound(id)) {
                _ = try await provisioner.provision(workspace: id)
            }
        }
    }
}

@Suite struct ProvisionerConfigurationTests {
    /// workspace-schema.md: sample data "only for the `dev` workspace `demo`":
    /// under `serve`, a workspace named demo starts empty like any other.
    @Test func onlyTheDevDemoGetsSampleData() throws {
        let configuration = try ControlPlaneConfiguration(
            upstreams: [UpstreamServer(name: "x", host: "h", adminUser: "u", adminPassword: nil)],
            masterKey: .generate()
        )
        let store = ControlStore(configuration: configuration, logger: TestUpstream.logger)
        #expect(Provisioner(store: store, logger: TestUpstream.logger, devSampleData: true).sampleDataWorkspaces == ["demo"])
        #expect(Provisioner(store: store, logger: TestUpstream.logger).sampleDataWorkspaces.isEmpty)
    }
}
