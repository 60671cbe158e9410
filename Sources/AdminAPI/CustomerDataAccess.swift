import ControlPlane
import Logging
import SluiceModel

/// The customer data access flow of `customer-data-access.txt` for one
/// workspace: status, provision, connection metadata, reveal and rotate.
///
/// Every answer about whether a database exists comes from the server
/// (`Provisioner.isProvisioned`), not from the stored status: a database
/// dropped by hand must show as not provisioned, and must not be handed out.
public struct CustomerDataAccess: Sendable {
    public let store: ControlStore
    public let provisioner: Provisioner
    let proxy: any ProxyControl
    let uris: any ConnectionURIBuilder
    let logger: Logger

    public init(
        store: ControlStore, provisioner: Provisioner, proxy: any ProxyControl,
        uris: any ConnectionURIBuilder, logger: Logger
    ) {
        self.store = store
        self.provisioner = provisioner
        self.proxy = proxy
        self.uris = uris
        self.logger = logger
    }

    /// The database name clients see, whatever the server calls it.
    static let clientDatabase = "customer_db"

    public func status(of workspace: WorkspaceID) async throws -> IngestionStatusBody {
        try await mapped {
            let record = try await record(of: workspace)
            let provisioned = try await provisioner.isProvisioned(workspace: workspace)
            return IngestionStatusBody(
                workspaceID: workspace.rawValue,
                provisioned: provisioned,
                plane: Self.plane(record, provisioned: provisioned),
                database: Self.clientDatabase,
                schemas: IngestionStatusBody.managedSchemas
            )
        }
    }

    /// Creates or repairs the workspace database; idempotent, and concurrent
    /// calls for one workspace run once (`Provisioner`). Answers the status.
    public func provision(_ workspace: WorkspaceID) async throws -> IngestionStatusBody {
        try await mapped {
            _ = try await record(of: workspace)
            _ = try await provisioner.provision(workspace: workspace)
        }
        return try await status(of: workspace)
    }

    public func metadata(of workspace: WorkspaceID, includeRuntime: Bool) async throws -> ConnectionMetadataBody {
        try await mapped {
            try await requireProvisioned(workspace)
            let kinds: [RoleKind] = includeRuntime ? [.customer, .runtime] : [.customer]
            var roles: [ConnectionMetadataBody.Role] = []
            var upstream = ""
            for kind in kinds {
                let credential = try await credential(workspace, kind)
                upstream = Self.hostPort(credential.upstream.host, credential.upstream.port)
                roles.append(ConnectionMetadataBody.Role(
                    kind: kind.rawValue,
                    name: ClientUser(role: kind, workspace: workspace).description,
                    pooledHost: uris.publicHost,
                    pooledPort: uris.publicPort,
                    passwordRotatedAt: credential.rotatedAt
                ))
            }
            return ConnectionMetadataBody(
                project: .init(id: workspace.rawValue, upstream: upstream),
                database: Self.clientDatabase,
                roles: roles
            )
        }
    }

    public func reveal(_ workspace: WorkspaceID, kind: RoleKind, pooled: Bool) async throws -> RevealBody {
        try await mapped {
            try await requireProvisioned(workspace)
            let credential = try await credential(workspace, kind)
            return RevealBody(
                kind: kind.rawValue,
                pooled: pooled,
                role: ClientUser(role: kind, workspace: workspace).description,
                database: Self.clientDatabase,
                uri: uris.uri(for: credential, pooled: pooled)
            )
        }
    }

    /// A new random password, in the store and on the server. Before this
    /// returns, the proxy has forgotten the old one, so the old password
    /// fails from the moment the answer is sent; open sessions stay unless
    /// `terminateSessions`, which ends them with 57P01.
    public func rotate(_ workspace: WorkspaceID, kind: RoleKind, terminateSessions: Bool, pooled: Bool) async throws -> RotateBody {
        try await mapped {
            try await requireProvisioned(workspace)
            let credential = try await store.rotatePassword(workspace: workspace, role: kind)
            proxy.invalidateCredentials(workspace: workspace)
            let user = ClientUser(role: kind, workspace: workspace)
            var terminated = 0
            if terminateSessions {
                terminated = proxy.terminateSessions(
                    workspace: workspace, role: kind,
                    message: "the password of \(user) was rotated; reconnect with the new connection URI"
                )
            }
            logger.info(
                "rotated password",
                metadata: ["workspace": "\(workspace)", "role": "\(kind.rawValue)", "terminated_sessions": "\(terminated)"]
            )
            return RotateBody(
                kind: kind.rawValue,
                rotatedAt: credential.rotatedAt,
                uri: uris.uri(for: credential, pooled: pooled),
                terminatedSessions: terminateSessions ? terminated : nil
            )
        }
    }

    // MARK: Helpers

    private func record(of workspace: WorkspaceID) async throws -> WorkspaceRecord {
        guard let record = try await store.workspace(workspace) else {
            throw APIError.workspaceNotFound(workspace.rawValue)
        }
        return record
    }

    private func requireProvisioned(_ workspace: WorkspaceID) async throws {
        _ = try await record(of: workspace)
        guard try await provisioner.isProvisioned(workspace: workspace) else {
            throw APIError.notProvisioned(workspace.rawValue)
        }
    }

    private func credential(_ workspace: WorkspaceID, _ kind: RoleKind) async throws -> RoleCredential {
        guard let credential = try await store.credential(workspace: workspace, role: kind) else {
            throw ControlPlaneError.credentialNotFound(workspace, kind)
        }
        return credential
    }

    /// Control-plane failures become API errors with the same wording.
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw APIError(controlPlane: error)
        }
    }

    /// The plane's state: the stored status, except that a database the
    /// server no longer has is `absent` whatever the record says.
    static func plane(_ record: WorkspaceRecord, provisioned: Bool) -> IngestionStatusBody.Plane {
        switch record.status {
        case .provisioning:
            return .init(status: "provisioning", detail: "a provisioning run is in progress")
        case .failed:
            return .init(status: "failed", detail: record.statusDetail ?? "the last provisioning run failed")
        case .active where provisioned:
            return .init(status: "active", detail: "the workspace database is ready")
        case .active:
            return .init(
                status: "absent",
                detail: "the workspace database is missing on the server; POST /api/v2/ingestion/provision restores it"
            )
        case .absent:
            return .init(
                status: "absent",
                detail: "the workspace database is not provisioned yet; POST /api/v2/ingestion/provision creates it"
            )
        }
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
