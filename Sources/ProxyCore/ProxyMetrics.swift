import Metrics

/// The proxy's counters, named once so dashboards and tests agree.
struct ProxyMetrics: Sendable {
    /// One set for the process: a connection must not allocate its own
    /// handles (memory per idle client, a factory lookup per connect).
    static let shared = ProxyMetrics()

    let clientConnectionsTotal = Counter(label: "sluice_proxy_client_connections_total")
    let clientConnectionsOpen = Meter(label: "sluice_proxy_client_connections")
    let serverConnectionsOpen = Meter(label: "sluice_proxy_server_connections")
    let serverConnectionsTotal = Counter(label: "sluice_proxy_server_connections_total")
    let poolWaits = Counter(label: "sluice_pool_waits_total")
    let upstreamErrors = Counter(label: "sluice_upstream_errors_total")
    let authFailures = Counter(label: "sluice_proxy_auth_failures_total")
    let protocolErrors = Counter(label: "sluice_proxy_protocol_errors_total")
    let cancelRequests = Counter(label: "sluice_proxy_cancel_requests_total")
}
