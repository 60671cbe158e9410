import Foundation
import SluiceModel
import Testing
@testable import ControlPlane

@Suite(.enabled(if: TestUpstream.enabled)) struct ZZTempDump {
    @Test func dump() async throws {
        let id = try #require(WorkspaceID("demo"))
        try await TestUpstream.withStore(controlDatabase: "sluice_ctl_tmpdump") { store in
            let p = Provisioner(store: store, logger: TestUpstream.logger)
            if try await store.workspace(id) == nil { _ = try await store.createWorkspace(id: id, name: "Demo") }
            let r = try await p.provision(workspace: id)
            print("REPORT", r)
            try PGDump.schema(of: id.databaseName).write(toFile: "/tmp/demo-dump.sql", atomically: true, encoding: .utf8)
        }
    }
}
