import AdminAPI
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

    static func prepare(store: ControlStore, provisioner: Provisioner, logger: Logger) async throws {
        guard let workspace else { return }
        if try await store.workspace(workspace) == nil {
            do {
                _ = try await store.createWorkspace(id: workspace, name: "Demo workspace")
            } catch ControlPlaneError.workspaceExists {
                // Created concurrently: fine.
            }
        }
        _ = try await provisioner.provision(workspace: workspace)
        logger.info("workspace demo provisioned")
    }

    /// The admin key of `demo`, made by the same code as
    /// `POST /api/v2/workspaces/demo/api-keys`. It is kept (owner-only) in
    /// the state directory and reused while the store still accepts it, so
    /// `SLUICE_API_KEY` stays the same across restarts of `sluice dev`.
    static func adminKey(store: ControlStore, operators: OperatorService, stateDirectory: String, logger: Logger) async throws -> String? {
        guard let workspace else { return nil }
        let path = stateDirectory + "/demo-admin.key"
        if FileManager.default.fileExists(atPath: path), let key = try? Secrets.readSecret(path),
           let record = try await store.authenticateAPIKey(key),
           record.workspace == workspace, record.permission == .admin {
            return key
        }
        let issued = try await operators.createAPIKey(workspace: workspace, permission: Permission.admin.rawValue, label: "sluice dev")
        try Secrets.writeSecret(issued.key, to: path)
        logger.info("created the admin API key of workspace demo", metadata: ["key_id": "\(issued.record.id)"])
        return issued.key
    }

    /// `http://host:port` of the API as a client on this machine reaches it.
    static func apiURL(host: String, port: Int) -> String {
        let reachable = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://" + (reachable.contains(":") ? "[\(reachable)]" : reachable) + ":\(port)"
    }

    /// Writes `dev.env` and prints the banner once the proxy and the HTTP
    /// API both listen (tests start as soon as `dev.env` exists).
    static func announce(
        configuration: SluiceConfiguration, store: ControlStore, proxy: ProxyServer,
        httpPort: @Sendable () -> Int?, adminKey: String,
        operatorToken: String?, controlConfiguration: ControlPlaneConfiguration, logger: Logger
    ) async throws {
        while proxy.localAddress == nil || httpPort() == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        let api = apiURL(host: configuration.httpHost, port: httpPort() ?? configuration.httpPort)
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
            "SLUICE_API=\(api)",
            "SLUICE_API_KEY=\(adminKey)",
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
          HTTP API:    \(api)
          admin API key of workspace demo: \(adminKey)
          environment: \(path)

        Try:
          psql "\(pooled)" -c 'SELECT count(*) FROM dl_resolved.people'
          curl -H "Authorization: Bearer \(adminKey)" \(api)/api/v2/ingestion/status

        Ctrl-C stops everything.

        """.utf8))
    }

    static func removeEnvironmentFile(stateDirectory: String) {
        try? FileManager.default.removeItem(atPath: stateDirectory + "/dev.env")
    }

    /// `KEY=value` with the value single-quoted when it holds shell-special
    /// characters. `?` is not one in an assignment (no pathname expansion
    /// there), so a pooled URI stays as operations.md shows it; `&` is.
    static func shellQuoted(_ line: String) -> String {
        guard let equals = line.firstIndex(of: "=") else { return line }
        let key = line[..<equals]
        let value = line[line.index(after: equals)...]
        let safe = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._/:@%=+,?".contains($0)) }
        if safe { return line }
        return "\(key)='\(value.replacingOccurrences(of: "'", with: "'\\''"))'"
    }
}
