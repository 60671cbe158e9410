import Foundation
import HTTPTypes
import Hummingbird

/// The one error type of the API: every failure, whoever raised it, is
/// answered through this type, so every error body has api.md's shape:
///
///     {"error": {"status": 404, "code": "not_found", "message": "...", "details": [...]}}
///
/// `code` is a stable snake_case word clients can branch on; `message` is a
/// sentence for people. Neither may ever hold a secret: messages are built
/// from ids, field names and the server's own error text only.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [APIErrorDetail]?
    /// A SQL error's SQLSTATE (the data-query and agent-tool endpoints).
    public var sqlstate: String?
    public var hint: String?
    public var position: Int?
    /// Extra response headers (`WWW-Authenticate`, `Allow`).
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status,
        code: String,
        message: String,
        details: [APIErrorDetail]? = nil,
        sqlstate: String? = nil,
        hint: String? = nil,
        position: Int? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.sqlstate = sqlstate
        self.hint = hint
        self.position = position
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONResponseEncoder.shared.encode(APIErrorEnvelope(self))
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public var description: String { "\(status.code) \(code): \(message)" }
}

extension APIError {
    static func unauthorized(_ message: String) -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"sluice\""
        return APIError(.unauthorized, code: "unauthorized", message: message, headers: headers)
    }

    static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: message)
    }

    /// The answer for a workspace that does not exist *and* for one that is
    /// not the caller's: the two must be indistinguishable.
    static func workspaceNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "workspace_not_found", message: "workspace \(id) not found")
    }

    static func validation(_ details: [APIErrorDetail]) -> APIError {
        let first = details.first.map { "\($0.field): \($0.message)" } ?? "invalid request"
        return APIError(
            .unprocessableContent, code: "validation_failed",
            message: "the request is not valid (\(first))", details: details
        )
    }

    static func validation(field: String, _ message: String) -> APIError {
        validation([APIErrorDetail(field: field, message: message)])
    }

    static func badRequest(code: String, _ message: String, details: [APIErrorDetail]? = nil) -> APIError {
        APIError(.badRequest, code: code, message: message, details: details)
    }

    static func notProvisioned(_ id: String) -> APIError {
        APIError(
            .conflict, code: "not_provisioned",
            message: "the database of workspace \(id) is not provisioned; POST /api/v2/ingestion/provision creates it"
        )
    }

    static let internalError = APIError(
        .internalServerError, code: "internal_error",
        message: "the server failed to answer this request; the request id in X-Request-Id finds it in the log"
    )
}
