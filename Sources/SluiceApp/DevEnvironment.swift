import ControlPlane
import Foundation
import Logging
import NIOCore
import ProxyCore
import SluiceModel

/// `sluice dev`: the `demo` workspace, provisioned with sample data, and a
/// `.sluice/dev.env` that scripts and tests source (operations.md).
enum DevEnvironment {
    static let workspace = WorkspaceID("demo")

    static func prepare(store: ControlStore, controlConfiguration: ControlPlaneConfiguration, logger: Logger) async throws {
        guard let workspace else { return }
        if try await store.workspace(workspace) == nil {
            do {
                _ = try await store.createWorkspace(id: workspace, name: "Demo workspace")
            } catch ControlPlaneError.workspaceExists {
                // Created concurrently: fine.
            }
        }
        let provisioner = Provisioner(store: store, configuration: controlConfiguration, logger: logger)
        _ = try await provisioner.provision(workspace: workspace)
        logger.info("workspace demo provisioned")
    }

    static func announce(
        configuration: SluiceConfiguration, store: ControlStore, proxy: ProxyServer,
        operatorToken: String?, controlConfiguration: ControlPlaneConfiguration, logger: Logger
    ) async throws {
        while proxy.localAddress == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let workspace, let credential = try await store.credential(workspace: workspace, role: .customer) else { return }
        let pooled = SluiceRuntime.uri(configuration, credential: credential, pooled: true)
        let session = SluiceRuntime.uri(configuration, credential: credential, pooled: false)
        let upstream = controlConfiguration.controlUpstream
        let superuserURL = "postgresql://\(ConnectionURI.percentEncode(upstream.adminUser))"
            + (upstream.adminPassword.map { ":" + ConnectionURI.percentEncode($0) } ?? "")
            + "@\(upstream.host):\(upstream.port)/\(upstream.adminDatabase)"
        let binary = ProcessInfo.processInfo.environment["SLUICE_BIN"]
            ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "sluice").standardizedFileURL.path
        var lines = [
            "DATABASE_URL=\(pooled)",
            "SESSION_DATABASE_URL=\(session)",
        ]
        if let operatorToken { lines.append("SLUICE_OPERATOR_TOKEN=\(operatorToken)") }
        lines += [
            "UPSTREAM_SUPERUSER_URL=\(superuserURL)",
            "SLUICE_PID=\(ProcessInfo.processInfo.processIdentifier)",
            "SLUICE_BIN=\(binary)",
        ]
        let path = configuration.stateDirectory + "/dev.env"
        let temporary = path + ".tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data((lines.map(shellQuoted).joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600])
        // rename(2) replaces atomically: a reader never sees half a file.
        guard rename(temporary, path) == 0 else {
            throw SluiceConfiguration.Error.unreadable(path: path, reason: "cannot write (errno \(errno))")
        }
        FileHandle.standardOutput.write(Data("""

        Sluice is ready.
          proxy:   \(configuration.listenHost):\(configuration.advertisedPort) (TLS \(configuration.tlsEnabled ? "on" : "off"))
          pooled URI:  \(pooled)
          session URI: \(session)
          environment: \(path)

        Try:
          psql "\(pooled)" -c 'SELECT count(*) FROM dl_resolved.people'

        Ctrl-C stops everything.

        """.utf8))
    }

    /// `KEY=value` with the value single-quoted when it holds shell-special characters.
    static func shellQuoted(_ line: String) -> String {
        guard let equals = line.firstIndex(of: "=") else { return line }
        let key = line[..<equals]
        let value = line[line.index(after: equals)...]
        let safe = value.allSatisfy { $0.isLetter || $0.isNumber || "-._/:@%=+,".contains($0) }
        if safe { return line }
        return "\(key)='\(value.replacingOccurrences(of: "'", with: "'\\''"))'"
    }
}
