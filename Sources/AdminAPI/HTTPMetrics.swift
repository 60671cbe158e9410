import CoreMetrics
import Metrics

/// HTTP request counters and durations, by route template and status.
///
/// The route is the template (`/api/v2/workspaces/{id}/api-keys`), never the
/// concrete path, so label values stay few and never carry an id a client
/// typed; an unmatched path is `unmatched` and an unknown method `OTHER`.
struct HTTPMetrics: Sendable {
    let factory: any MetricsFactory

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func record(method: String, route: String, status: Int, duration: Duration) {
        let shownMethod = Self.knownMethods.contains(method) ? method : "OTHER"
        Counter(
            label: "sluice_http_requests_total",
            dimensions: [("method", shownMethod), ("route", route), ("status", String(status))],
            factory: factory
        ).increment()
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        Metrics.Timer(
            label: "sluice_http_request_duration_seconds",
            dimensions: [("method", shownMethod), ("route", route)],
            factory: factory
        ).recordNanoseconds(nanoseconds)
    }
}
