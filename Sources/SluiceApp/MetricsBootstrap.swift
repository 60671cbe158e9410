import Metrics
import Prometheus

/// The process's metrics: one Prometheus registry, installed as the
/// swift-metrics backend, so the proxy's counters (which only know
/// swift-metrics) and the API's HTTP metrics all appear on `/metrics`.
///
/// `MetricsSystem.bootstrap` may run only once per process and must run
/// before the first metric is created (a metric made earlier stays bound to
/// the no-op backend), so it happens in a static initializer, which the
/// runtime runs exactly once, at the start of `serve`.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
