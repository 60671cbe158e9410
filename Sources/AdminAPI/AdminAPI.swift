import ControlPlane
import CoreMetrics
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import SluiceModel

/// The HTTP API of api.md on Hummingbird 2: one router, bearer auth, one
/// error shape, and the OpenAPI document that describes it.
///
/// The agent-tool, table and data-query endpoints (`/api/v2/tools/...`,
/// `/v1/{workspace_id}/...`) reach workspace databases only through
/// `queries`: the proxy's own pool and policy.
public struct AdminAPI: Sendable {
    public let configuration: AdminAPIConfiguration
    public let operators: OperatorService
    public let dataAccess: CustomerDataAccess
    let authenticator: BearerAuthenticator
    let store: ControlStore
    let workspaceSQL: WorkspaceSQL
    let readiness: ReadinessProbe
    let registry: PrometheusCollectorRegistry
    let metrics: HTTPMetrics
    let logger: Logger

    /// - Parameters:
    ///   - registry: the Prometheus registry `/metrics` renders (the one the
    ///     process's `MetricsSystem` was bootstrapped with).
    ///   - metricsFactory: where HTTP metrics go; the bootstrapped
    ///     `MetricsSystem` when nil.
    public init(
        configuration: AdminAPIConfiguration,
        store: ControlStore,
        provisioner: Provisioner,
        proxy: any ProxyControl,
        uris: any ConnectionURIBuilder,
        queries: (any WorkspaceQueryExecutor)? = nil,
        registry: PrometheusCollectorRegistry,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.operators = OperatorService(store: store)
        self.dataAccess = CustomerDataAccess(store: store, provisioner: provisioner, proxy: proxy, uris: uris, logger: logger)
        self.authenticator = BearerAuthenticator(store: store, operatorToken: configuration.operatorToken)
        self.store = store
        self.workspaceSQL = WorkspaceSQL(executor: queries ?? UnavailableQueryExecutor(), provisioner: provisioner)
        self.readiness = ReadinessProbe(store: store, proxy: proxy, timeout: configuration.readinessTimeout)
        self.registry = registry
        self.metrics = HTTPMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.logger = logger
    }

    /// Every endpoint; the router is built from this list and nothing else.
    public var routes: [APIRoute] {
        let decoder = RequestBodyDecoder()
        let path = WorkspacePath(auth: authenticator, store: store)
        let tables = TableService(sql: workspaceSQL, provisioner: dataAccess.provisioner)
        let dataQueries = DataQueryService(store: store, sql: workspaceSQL, tables: tables)
        return OperatorEndpoints(auth: authenticator, service: operators, decoder: decoder).routes
            + IngestionEndpoints(auth: authenticator, access: dataAccess, decoder: decoder).routes
            + AgentToolEndpoints(auth: authenticator, path: path, sql: workspaceSQL, dataQueries: dataQueries, decoder: decoder).routes
            + TableEndpoints(path: path, service: tables, decoder: decoder).routes
            + DataQueryEndpoints(path: path, service: dataQueries, decoder: decoder).routes
            + ServiceEndpoints(readiness: readiness, registry: registry).routes
    }

    public func makeRouter() -> Router<AdminRequestContext> {
        let routes = self.routes
        let router = Router(context: AdminRequestContext.self)
        router.add(middleware: RequestLogMiddleware(
            table: RouteTable(routes: routes), metrics: metrics, maxBodyBytes: RequestBodyDecoder.maxBytes
        ))
        for route in routes {
            let handler = route.handler
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await handler(request, context)
            }
        }
        return router
    }

    /// The HTTP server as a `Service` for the process's `ServiceGroup`.
    /// `onServerRunning` gets the bound port (useful with port 0).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }
    ) -> Application<RouterResponder<AdminRequestContext>> {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "sluice"
            ),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port)
            },
            logger: logger
        )
    }
}
