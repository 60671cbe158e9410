import Foundation
import PGSession
import PostgresNIO
import SluiceModel
import Testing

@testable import ControlPlane

@Suite(.enabled(if: TestUpstream.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL 15 superuser URL"))
struct ControlStoreTests {
    @Test func migratingTwiceIsANoOp() async throws {
        let database = "sluice_ctl_\(TestUpstream.randomSuffix())"
        try await TestUpstream.withStore(controlDatabase: database, dropControlDatabase: true, migrate: false) { store in
            #expect(try await store.migrate() == ControlSchema.migrations.map(\.version))
            #expect(try await store.migrate() == [])
            let recorded = try await store.withControlConnection { connection in
                var versions: [Int] = []
                for try await version in try await connection.query(
                    "SELECT version FROM public.schema_migrations ORDER BY version", logger: TestUpstream.logger
                ).decode(Int.self) {
                    versions.append(version)
                }
                return versions
            }
            #expect(recorded == ControlSchema.migrations.map(\.version))
            #expect(try await store.listWorkspaces() == [])
        }
    }

    @Test func processesStartingTogetherMigrateOnce() async throws {
        let database = "sluice_ctl_\(TestUpstream.randomSuffix())"
        let applied = try await TestUpstream.withStore(controlDatabase: database, migrate: false) { first in
            try await TestUpstream.withStore(controlDatabase: database, migrate: false) { second in
                async let a = first.migrate()
                async let b = second.migrate()
                return try await a + b
            }
        }
        await TestUpstream.dropDatabase(database)
        #expect(applied.sorted() == ControlSchema.migrations.map(\.version))
    }

    @Test func createsWorkspacesOnceOnly() async throws {
        let id = try TestUpstream.uniqueID("create")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            let record = try await store.createWorkspace(id: id, name: "Acme Inc")
            #expect(record.id == id)
            #expect(record.name == "Acme Inc")
            #expect(record.upstream == "test")
            #expect(record.status == .absent)
            #expect(record.provisionedAt == nil)
            #expect(try await store.workspace(id) == record)
            #expect(try await store.listWorkspaces().contains(record))

            await #expect(throws: ControlPlaneError.workspaceExists(id)) {
                _ = try await store.createWorkspace(id: id, name: "Other")
            }
            #expect(try await store.workspace(id)?.name == "Acme Inc")
        }
    }

    /// api.md allows 63-character ids; their server names are shortened
    /// (`WorkspaceID.serverStem`) and an id that would take another's is refused.
    @Test func acceptsLongIDsAndRefusesOneThatTakesAnotherWorkspacesNames() async throws {
        let suffix = String(UUID().uuidString.lowercased().filter { $0.isHexDigit }.prefix(8))
        let long = try #require(WorkspaceID("t" + suffix + String(repeating: "x", count: 54)))
        let lookalike = try #require(WorkspaceID(long.serverStem))
        try await TestUpstream.withStore(cleaningUp: [long, lookalike]) { store in
            let record = try await store.createWorkspace(id: long, name: "long")
            #expect(record.id == long)
            await #expect(throws: ControlPlaneError.serverNamesTaken(lookalike, by: long)) {
                _ = try await store.createWorkspace(id: lookalike, name: "lookalike")
            }
            #expect(try await store.workspace(lookalike) == nil)
        }
    }

    @Test func unknownWorkspacesHaveNothing() async throws {
        try await TestUpstream.withStore { store in
            let id = try TestUpstream.uniqueID("missing")
            #expect(try await store.workspace(id) == nil)
            #expect(try await store.credential(workspace: id, role: .customer) == nil)
            await #expect(throws: ControlPlaneError.workspaceNotFound(id)) {
                try await store.setStatus(id, status: .active, detail: nil)
            }
            await #expect(throws: ControlPlaneError.workspaceNotFound(id)) {
                _ = try await store.rotatePassword(workspace: id, role: .customer)
            }
        }
    }

    @Test func credentialsRoundTrip() async throws {
        let id = try TestUpstream.uniqueID("cred")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            _ = try await store.createWorkspace(id: id, name: "Credentials")
            let customer = try #require(try await store.credential(workspace: id, role: .customer))
            let runtime = try #require(try await store.credential(workspace: id, role: .runtime))

            #expect(customer.roleName == "ws_\(id.rawValue)_customer")
            #expect(runtime.roleName == "ws_\(id.rawValue)_runtime")
            #expect(customer.database == "ws_\(id.rawValue)")
            #expect(customer.upstream == (try TestUpstream.server()))
            #expect(customer.password.count == 40)
            #expect(customer.password != runtime.password)
            #expect(customer.verifier.iterations == 4096)
            #expect(customer.verifier.salt.count == 16)
            #expect(customer.verifier.salt != runtime.verifier.salt)
            for credential in [customer, runtime] {
                let recomputed = SCRAMVerifier(
                    password: credential.password,
                    salt: credential.verifier.salt,
                    iterations: credential.verifier.iterations
                )
                #expect(recomputed == credential.verifier)
                #expect(!"\(credential)".contains(credential.password))
            }

            // The stored bytes are ciphertext, not the password.
            let stored = try await storedSealed(store, id, .customer)
            #expect(!String(decoding: stored, as: UTF8.self).contains(customer.password))
            #expect(try await store.credential(workspace: id, role: .customer) == customer)
        }
    }

    @Test func alteredOrSwappedCiphertextIsRefused() async throws {
        let id = try TestUpstream.uniqueID("tamper")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            _ = try await store.createWorkspace(id: id, name: "Tamper")
            let customerSealed = try await storedSealed(store, id, .customer)
            let runtimeSealed = try await storedSealed(store, id, .runtime)

            // The runtime's sealed password copied into the customer's row
            // does not open: the seal is bound to its workspace and role.
            try await setSealed(store, id, .customer, runtimeSealed)
            await #expect(throws: ControlPlaneError.decryptionFailed) {
                _ = try await store.credential(workspace: id, role: .customer)
            }
            var flipped = customerSealed
            flipped[flipped.count / 2] ^= 0x40
            try await setSealed(store, id, .customer, flipped)
            await #expect(throws: ControlPlaneError.decryptionFailed) {
                _ = try await store.credential(workspace: id, role: .customer)
            }
            try await setSealed(store, id, .customer, customerSealed)
            #expect(try await store.credential(workspace: id, role: .customer) != nil)
        }
    }

    @Test func setStatusRecordsProvisioning() async throws {
        let id = try TestUpstream.uniqueID("status")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            _ = try await store.createWorkspace(id: id, name: "Status")
            try await store.setStatus(id, status: .failed, detail: "boom")
            var record = try #require(try await store.workspace(id))
            #expect(record.status == .failed)
            #expect(record.statusDetail == "boom")
            #expect(record.provisionedAt == nil)
            try await store.setStatus(id, status: .active, detail: nil)
            record = try #require(try await store.workspace(id))
            #expect(record.status == .active)
            #expect(record.statusDetail == nil)
            #expect(record.provisionedAt != nil)
        }
    }

    @Test func newWorkspacesGoToTheEmptiestUpstream() async throws {
        let server = try TestUpstream.server()
        var a = server
        a.name = "a"
        var b = server
        b.name = "b"
        let database = "sluice_ctl_\(TestUpstream.randomSuffix())"
        let placements = try await TestUpstream.withStore(
            controlDatabase: database, upstreams: [a, b], dropControlDatabase: true
        ) { store in
            var placements: [String] = []
            for index in 0..<4 {
                let id = try TestUpstream.uniqueID("place\(index)")
                placements.append(try await store.createWorkspace(id: id, name: "P").upstream)
            }
            return placements
        }
        #expect(placements == ["a", "b", "a", "b"])
    }

    @Test func rotatingBeforeProvisioningOnlyChangesTheStore() async throws {
        let id = try TestUpstream.uniqueID("rotpre")
        try await TestUpstream.withStore(cleaningUp: [id]) { store in
            _ = try await store.createWorkspace(id: id, name: "Rotate")
            let before = try #require(try await store.credential(workspace: id, role: .runtime))
            let rotated = try await store.rotatePassword(workspace: id, role: .runtime)
            #expect(rotated.password != before.password)
            #expect(rotated.rotatedAt >= before.rotatedAt)
            let after = try #require(try await store.credential(workspace: id, role: .runtime))
            #expect(after.password == rotated.password)
            #expect(after.verifier == rotated.verifier)
            #expect(try await store.credential(workspace: id, role: .customer) != nil)
        }
    }

    // MARK: Helpers

    private func storedSealed(_ store: ControlStore, _ id: WorkspaceID, _ role: RoleKind) async throws -> [UInt8] {
        try await store.withControlConnection { connection in
            var bytes: [UInt8] = []
            for try await buffer in try await connection.query(
                """
                SELECT password_sealed FROM public.role_credentials
                WHERE workspace_id = \(id.rawValue) AND kind = \(role.rawValue)
                """,
                logger: TestUpstream.logger
            ).decode(ByteBuffer.self) {
                bytes = Array(buffer.readableBytesView)
            }
            return bytes
        }
    }

    private func setSealed(_ store: ControlStore, _ id: WorkspaceID, _ role: RoleKind, _ bytes: [UInt8]) async throws {
        try await store.withControlConnection { connection in
            try await connection.run(
                """
                UPDATE public.role_credentials SET password_sealed = \(ByteBuffer(bytes: bytes))
                WHERE workspace_id = \(id.rawValue) AND kind = \(role.rawValue)
                """,
                logger: TestUpstream.logger
            )
        }
    }
}
