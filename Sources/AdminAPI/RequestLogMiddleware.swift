import HTTPTypes
import Hummingbird
import Logging

/// Runs around every request, matched or not:
///
/// - assigns the request id (a well-formed incoming `X-Request-Id` is kept,
///   else a random one), puts it on the request's logger and echoes it;
/// - refuses a declared body over the limit with 413 before anything reads it;
/// - turns every error, from a handler or from Hummingbird, into `APIError`'s
///   one shape (a path known with other methods is 405 with `Allow`);
/// - writes one access log line and the HTTP metrics.
///
/// The log line holds the method, the path with any segment that could be a
/// secret masked, the route template, status, duration and who the caller
/// was (`operator` or `key:<id>`): never a header, a query or a body.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    let table: RouteTable
    let metrics: HTTPMetrics
    let maxBodyBytes: Int

    func handle(
        _ request: Request,
        context: AdminRequestContext,
        next: (Request, AdminRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = Self.requestID(from: request.headers[AdminHeaders.requestID])
        var context = context
        context.requestID = requestID
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)

        var response: Response
        var failure: APIError?
        do {
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
                throw APIError.payloadTooLarge(limit: maxBodyBytes)
            }
            response = try await next(request, context)
        } catch {
            let apiError = mapped(error, request: request, context: context)
            failure = apiError
            response = (try? apiError.response(from: request, context: context)) ?? Response(status: apiError.status)
        }
        response.headers[AdminHeaders.requestID] = requestID

        let route = Self.routeLabel(context.endpointPath)
        let duration = ContinuousClock.now - started
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, duration: duration)

        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(LogRedaction.path(request.uri.path)),
            "route": .string(route),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .stringConvertible(Self.milliseconds(duration)),
        ]
        if let principal = context.audit.principal {
            metadata["principal"] = .string(principal)
        }
        guard let failure else {
            context.logger.info("http request", metadata: metadata)
            return response
        }
        metadata["error_code"] = .string(failure.code)
        switch failure.status.code {
        case 503:
            // Unavailable dependencies are expected now and then (readiness).
            metadata["error"] = .string(failure.message)
            context.logger.warning("http request failed", metadata: metadata)
        case 500...:
            metadata["error"] = .string(failure.message)
            context.logger.error("http request failed", metadata: metadata)
        default:
            context.logger.info("http request", metadata: metadata)
        }
        return response
    }

    /// Any error → the API's error. Hummingbird's own `HTTPError`s (the
    /// router's 404 above all) keep their status under our shape.
    func mapped(_ error: any Error, request: Request, context: AdminRequestContext) -> APIError {
        switch error {
        case let apiError as APIError:
            return apiError
        case let httpError as HTTPError where httpError.status == .notFound && context.endpointPath == Self.notFoundPath:
            let allowed = table.allowedMethods(for: request.uri.path)
            guard allowed.isEmpty else {
                var headers = HTTPFields()
                headers[.allow] = allowed.joined(separator: ", ")
                return APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed here; allowed: \(allowed.joined(separator: ", "))",
                    headers: headers
                )
            }
            return APIError(.notFound, code: "not_found", message: "no endpoint at this path")
        case let httpError as HTTPError:
            return APIError(
                httpError.status, code: Self.code(for: httpError.status),
                message: httpError.body ?? httpError.status.reasonPhrase
            )
        case let responseError as any HTTPResponseError:
            return APIError(responseError.status, code: Self.code(for: responseError.status), message: responseError.status.reasonPhrase)
        default:
            context.logger.error("unexpected error", metadata: ["error_type": .string(String(reflecting: type(of: error)))])
            return APIError.internalError
        }
    }

    /// Hummingbird's marker for "no route matched".
    static let notFoundPath = "NotFound"

    static func routeLabel(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != notFoundPath else { return "unmatched" }
        return endpointPath
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 408: "request_timeout"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "validation_failed"
        case 500..<600: "internal_error"
        default: "error"
        }
    }

    /// Milliseconds with one decimal.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let exact = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return (exact * 10).rounded() / 10
    }

    /// `[A-Za-z0-9_.-]`.
    static func isIDByte(_ byte: UInt8) -> Bool {
        LogRedaction.isPlain(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// A client's id is kept when it is short and plain; anything else
    /// (which could be used to forge log lines) is replaced.
    static func requestID(from header: String?) -> String {
        if let header, (1...64).contains(header.utf8.count),
           header.utf8.allSatisfy({ Self.isIDByte($0) }) {
            return header
        }
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
