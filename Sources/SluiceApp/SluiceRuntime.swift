import AdminAPI
import ControlPlane
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ProxyCore
import ServiceLifecycle
import SluiceModel
import SluicePool
import NIOConcurrencyHelpers

/// The composition root: builds the control store, the proxy and their
/// services from a `SluiceConfiguration`, and runs the CLI's commands.
public enum SluiceRuntime {
    public static func makeLogger(_ configuration: SluiceConfiguration, label: String = "sluice") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = configuration.logLevel
        return logger
    }

    static func controlConfiguration(_ configuration: SluiceConfiguration, masterKey: MasterKey) throws -> ControlPlaneConfiguration {
        try ControlPlaneConfiguration(
            upstreams: try configuration.upstreams(),
            controlDatabase: configuration.controlDatabase,
            masterKey: masterKey,
            customerConnectionLimit: configuration.customerConnectionLimit
        )
    }

    /// Runs `body` with a migrated control store whose client is running.
    static func withStore<T: Sendable>(
        _ configuration: SluiceConfiguration, dev: Bool, logger: Logger,
        _ body: @Sendable @escaping (ControlStore, ControlPlaneConfiguration) async throws -> T
    ) async throws -> T {
        let masterKey = try Secrets.masterKey(configuration, generateIn: dev ? configuration.stateDirectory : nil)
        let controlConfiguration = try controlConfiguration(configuration, masterKey: masterKey)
        let store = ControlStore(configuration: controlConfiguration, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await store.run()
                return nil
            }
            group.addTask {
                try await store.migrate()
                return try await body(store, controlConfiguration)
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    /// `sluice workspace create`: the same code as `POST /api/v2/workspaces`.
    public static func createWorkspace(_ configuration: SluiceConfiguration, id: WorkspaceID, name: String, dev: Bool = false) async throws {
        let logger = makeLogger(configuration)
        try await withStore(configuration, dev: dev, logger: logger) { store, _ in
            _ = try await OperatorService(store: store).createWorkspace(id: id.rawValue, name: name)
        }
    }

    /// `sluice apikey create`: the same code as `POST /api/v2/workspaces/{id}/api-keys`.
    /// Returns the key's id and the key, which is shown this once.
    public static func createAPIKey(
        _ configuration: SluiceConfiguration, workspace: WorkspaceID, permission: String, label: String?, dev: Bool = false
    ) async throws -> (id: String, key: String) {
        let logger = makeLogger(configuration)
        return try await withStore(configuration, dev: dev, logger: logger) { store, _ in
            let issued = try await OperatorService(store: store).createAPIKey(
                workspace: workspace, permission: permission, label: label
            )
            return (issued.record.id, issued.key)
        }
    }

    /// `sluice rotate`: a new password for the role, in the store and on the
    /// server; returns the new URI. A running proxy notices within its
    /// credential cache's lifetime (2 s); the API's `rotate` makes the old
    /// password fail at once and can end open sessions.
    public static func rotate(
        _ configuration: SluiceConfiguration, id: WorkspaceID, kind: RoleKind, pooled: Bool, dev: Bool = false
    ) async throws -> String {
        let logger = makeLogger(configuration)
        return try await withStore(configuration, dev: dev, logger: logger) { store, _ in
            let credential = try await store.rotatePassword(workspace: id, role: kind)
            return uri(configuration, credential: credential, pooled: pooled)
        }
    }

    public static func provision(_ configuration: SluiceConfiguration, id: WorkspaceID, dev: Bool = false) async throws {
        let logger = makeLogger(configuration)
        try await withStore(configuration, dev: dev, logger: logger) { store, controlConfiguration in
            let provisioner = Provisioner(store: store, configuration: controlConfiguration, logger: logger, devSampleData: dev)
            _ = try await provisioner.provision(workspace: id)
        }
    }

    public static func reveal(_ configuration: SluiceConfiguration, id: WorkspaceID, kind: RoleKind, pooled: Bool, dev: Bool = false) async throws -> String {
        let logger = makeLogger(configuration)
        return try await withStore(configuration, dev: dev, logger: logger) { store, _ in
            guard let credential = try await store.credential(workspace: id, role: kind) else {
                throw ControlPlaneError.workspaceNotFound(id)
            }
            return uri(configuration, credential: credential, pooled: pooled)
        }
    }

    static func uri(_ configuration: SluiceConfiguration, credential: RoleCredential, pooled: Bool) -> String {
        ConnectionURI.make(
            role: credential.role, workspace: credential.workspace, password: credential.password,
            host: configuration.publicHost, port: configuration.advertisedPort,
            tls: configuration.tlsEnabled, pooled: pooled
        )
    }

    static func proxyConfiguration(_ configuration: SluiceConfiguration, masterKey: MasterKey) throws -> ProxyConfiguration {
        let tls = try configuration.tlsCertificatePath.flatMap { cert in
            try configuration.tlsKeyPath.map { key in try TLSLoader.serverSettings(certificatePath: cert, keyPath: key) }
        }
        let pool = PoolConfiguration(
            maxConnections: configuration.poolSize,
            minIdleConnections: configuration.poolMinIdle,
            idleTimeout: .seconds(configuration.poolIdleTimeoutSeconds),
            maxLifetime: .seconds(configuration.poolMaxLifetimeSeconds),
            waitTimeout: .seconds(configuration.queryWaitTimeoutSeconds)
        )
        let keyBytes = Data(base64Encoded: masterKey.base64) ?? Data()
        let decoySecret = Array(HMAC<SHA256>.authenticationCode(for: Array("sluice decoy verifiers".utf8), using: SymmetricKey(data: keyBytes)))
        var proxy = ProxyConfiguration(
            host: configuration.listenHost,
            port: configuration.port,
            tls: tls,
            tlsRequired: configuration.tlsRequired,
            maxMessageLength: configuration.maxMessageLength,
            authTimeout: .nanoseconds(Int64(configuration.authTimeoutSeconds * 1e9)),
            partialMessageTimeout: .nanoseconds(Int64(configuration.partialMessageTimeoutSeconds * 1e9)),
            pool: pool,
            shutdownGracePeriod: .nanoseconds(Int64(configuration.shutdownGraceSeconds * 1e9)),
            decoySecret: decoySecret
        )
        proxy.idleInTransactionTimeout = .nanoseconds(Int64(configuration.idleInTransactionTimeoutSeconds * 1e9))
        proxy.maxPreparedStatementsPerConnection = configuration.maxPreparedStatements
        proxy.maxClientStatements = configuration.maxClientStatements
        proxy.cacheUnnamedStatements = configuration.cacheUnnamedStatements
        proxy.upstreamConnectionLimit = configuration.upstreamPoolSize > 0 ? configuration.upstreamPoolSize : nil
        if let instance = configuration.instanceID {
            var peers: [UInt8: CancelRouting.Peer] = [:]
            for (number, peer) in configuration.peers where number != instance {
                peers[UInt8(number)] = CancelRouting.Peer(host: peer.host, port: peer.port)
            }
            proxy.cancelRouting = CancelRouting(instance: UInt8(instance), peers: peers)
        }
        return proxy
    }

    /// `sluice serve` (and `sluice dev` with `dev: true`): runs until SIGTERM/SIGINT.
    public static func serve(_ configuration: SluiceConfiguration, dev: Bool) async throws {
        MallocArenas.limitUnlessConfigured()
        // Before any metric exists (see MetricsBootstrap).
        let registry = MetricsBootstrap.registry
        let logger = makeLogger(configuration)
        if dev {
            try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
            // A previous run's file names a dead process: whoever waits for
            // dev.env to appear must wait for this run's.
            DevEnvironment.removeEnvironmentFile(stateDirectory: configuration.stateDirectory)
        }
        defer { if dev { DevEnvironment.removeEnvironmentFile(stateDirectory: configuration.stateDirectory) } }
        let masterKey = try Secrets.masterKey(configuration, generateIn: dev ? configuration.stateDirectory : nil)
        let operatorToken = try Secrets.operatorToken(configuration, generateIn: dev ? configuration.stateDirectory : nil)
        let controlConfiguration = try controlConfiguration(configuration, masterKey: masterKey)
        let store = ControlStore(configuration: controlConfiguration, logger: logger)
        let proxyConfiguration = try proxyConfiguration(configuration, masterKey: masterKey)
        let upstreamTLS = try TLSLoader.upstreamContext(caPath: configuration.upstreamCAPath)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let provider = ControlPlaneCredentialProvider(store: store)
        if !configuration.policyEnabled {
            logger.warning("the statement policy is OFF (SLUICE_POLICY=false): for benchmarks only")
        }
        let gate: StatementGate = configuration.policyEnabled
            ? PolicyGate(cacheCapacity: configuration.verdictCacheSize, logger: logger)
            : AllowAllGate()
        let proxy = ProxyServer(
            configuration: proxyConfiguration, credentials: provider, gate: gate, group: group,
            upstreamTLS: upstreamTLS, logger: logger
        )
        let provisioner = Provisioner(store: store, configuration: controlConfiguration, logger: logger, devSampleData: dev)
        if operatorToken == nil {
            logger.warning("no operator token is configured (SLUICE_OPERATOR_TOKEN): the operator endpoints refuse every request")
        }
        let api = AdminAPI(
            configuration: AdminAPIConfiguration(
                host: configuration.httpHost, port: configuration.httpPort, operatorToken: operatorToken
            ),
            store: store, provisioner: provisioner,
            proxy: ProxyControlAdapter(proxy: proxy, credentials: provider),
            uris: ConfiguredURIBuilder(configuration: configuration), queries: proxy,
            registry: registry, logger: logger
        )
        let httpPort = NIOLockedValueBox<Int?>(nil)
        let http = api.makeApplication { port in
            httpPort.withLockedValue { $0 = port }
        }

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await store.run() }
            try await store.migrate()
            var demoAdminKey: String?
            if dev {
                try await DevEnvironment.prepare(store: store, provisioner: provisioner, logger: logger)
                demoAdminKey = try await DevEnvironment.adminKey(
                    store: store, operators: api.operators, stateDirectory: configuration.stateDirectory, logger: logger
                )
            }
            let services = ServiceGroup(
                configuration: .init(
                    // Shut down in reverse order: the proxy drains its clients first
                    // while the HTTP API (and /metrics) still answers (pitfalls.md:
                    // exporters that cannot scrape a process that is shutting down).
                    services: [.init(service: http), .init(service: proxy)],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
                )
            )
            if dev, let demoAdminKey {
                tasks.addTask {
                    do {
                        try await DevEnvironment.announce(
                            configuration: configuration, store: store, proxy: proxy,
                            httpPort: { httpPort.withLockedValue { $0 } }, adminKey: demoAdminKey,
                            operatorToken: operatorToken, controlConfiguration: controlConfiguration, logger: logger
                        )
                    } catch is CancellationError {
                    } catch {
                        logger.error("could not write the dev environment", metadata: ["error": "\(error)"])
                    }
                }
            }
            try await services.run()
            tasks.cancelAll()
        }
        try await group.shutdownGracefully()
    }
}
