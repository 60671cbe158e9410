import HTTPTypes
import Hummingbird

/// One endpoint: method, path template in OpenAPI form
/// (`/api/v2/workspaces/{id}/api-keys`), and its handler.
///
/// Every route reaches the router through `AdminAPI.routes`, and only
/// there, so that list *is* the router's table: the OpenAPI test compares it
/// with the document, and the 405 answer reads the methods a path allows
/// from it. (Hummingbird accepts `{name}` captures as they are.)
public struct APIRoute: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    let handler: @Sendable (Request, AdminRequestContext) async throws -> Response

    init(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ handler: @escaping @Sendable (Request, AdminRequestContext) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    /// Whether a concrete request path fits this template.
    func matches(path requestPath: String) -> Bool {
        let template = Self.segments(path)
        let actual = Self.segments(requestPath)
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { pattern, segment in
            (pattern.hasPrefix("{") && pattern.hasSuffix("}") && !segment.isEmpty) || pattern == segment
        }
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }
}
