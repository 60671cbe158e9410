import Foundation
import HTTPTypes
import Hummingbird
import Prometheus

/// Service endpoints (no authentication): liveness, readiness, metrics and
/// the OpenAPI document.
struct ServiceEndpoints: Sendable {
    let readiness: ReadinessProbe
    let registry: PrometheusCollectorRegistry

    var routes: [APIRoute] {
        [
            APIRoute(.get, "/healthz") { try await healthz($0, $1) },
            APIRoute(.get, "/readyz") { try await readyz($0, $1) },
            APIRoute(.get, "/metrics") { try await metrics($0, $1) },
            APIRoute(.get, "/openapi.json") { try await openAPI($0, $1) },
        ]
    }

    struct Health: Encodable, Sendable {
        var status: String
    }

    /// The process is up and serving HTTP.
    func healthz(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        try JSONResponse(.ok, Health(status: "ok")).response(from: request, context: context)
    }

    /// 200 when everything the proxy needs answers; else 503 with the
    /// failing components in `details`.
    func readyz(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let failures = await readiness.failures()
        guard failures.isEmpty else {
            throw APIError(
                .serviceUnavailable, code: "not_ready",
                message: "not ready: " + failures.map(\.field).joined(separator: ", "),
                details: failures
            )
        }
        return try JSONResponse(.ok, Health(status: "ready")).response(from: request, context: context)
    }

    /// Prometheus text exposition of every metric the process records.
    func metrics(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let bytes = registry.emitToBuffer()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func openAPI(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
    }
}
