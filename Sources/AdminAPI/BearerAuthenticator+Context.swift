import Hummingbird

extension BearerAuthenticator {
    /// Authenticates and notes the caller for the access log line.
    func principal(of request: Request, context: AdminRequestContext) async throws -> Principal {
        let principal = try await authenticate(request)
        context.audit.principal = principal.logDescription
        return principal
    }
}
