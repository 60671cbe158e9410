import Testing

@testable import AdminAPI

struct LogRedactionTests {
    @Test func idsStayAndSecretLookingSegmentsAreMasked() {
        #expect(LogRedaction.path("/api/v2/workspaces/acme_1/api-keys/ak0123456789abcdef") == "/api/v2/workspaces/acme_1/api-keys/ak0123456789abcdef")
        #expect(LogRedaction.path("/api/v2/sluice_ak0123456789abcdef_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ABCD") == "/api/v2/*")
        #expect(LogRedaction.path("/x/Password123") == "/x/*")
        #expect(LogRedaction.path("/" + String(repeating: "a", count: 65)) == "/*")
    }

    @Test func bearerTokensAreParsedStrictly() {
        #expect(BearerAuthenticator.bearerToken("Bearer abc") == "abc")
        #expect(BearerAuthenticator.bearerToken("bearer abc") == "abc")
        #expect(BearerAuthenticator.bearerToken("Bearer") == nil)
        #expect(BearerAuthenticator.bearerToken("Basic abc") == nil)
        #expect(BearerAuthenticator.bearerToken("Bearer a b") == nil)
        #expect(BearerAuthenticator.bearerToken("Bearer " + String(repeating: "a", count: 513)) == nil)
    }

    @Test func headerNamesAreTheDocumentedOnes() {
        #expect(AdminHeaders.requestID.canonicalName == "x-request-id")
        #expect(AdminHeaders.workspaceID.canonicalName == "x-workspace-id")
    }
}
