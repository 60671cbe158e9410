import ControlPlane
import Crypto
import Hummingbird

/// Turns `Authorization: Bearer <token>` into a `Principal`, or 401.
///
/// The operator token is compared as a SHA-256 digest in constant time
/// (hashing first hides its length too). Workspace keys are looked up in the
/// store on every request, never cached, so revoking one takes effect with
/// the next request. A missing header and a token that is not valid both get
/// 401, with messages that do not say whether a key exists.
struct BearerAuthenticator: Sendable {
    let store: ControlStore
    private let operatorDigest: [UInt8]?

    init(store: ControlStore, operatorToken: String?) {
        self.store = store
        self.operatorDigest = operatorToken.flatMap { $0.isEmpty ? nil : Self.digest($0) }
    }

    func authenticate(_ request: Request) async throws -> Principal {
        let values = request.headers[values: .authorization]
        guard let header = values.first else {
            throw APIError.unauthorized("this endpoint needs an Authorization: Bearer <token> header")
        }
        guard values.count == 1, let token = Self.bearerToken(header) else {
            throw APIError.unauthorized("the Authorization header must be exactly one \"Bearer <token>\"")
        }
        if let operatorDigest, MasterKey.constantTimeEquals(Self.digest(token), operatorDigest) {
            return .operatorToken
        }
        let record: APIKeyRecord?
        do {
            record = try await store.authenticateAPIKey(token)
        } catch {
            throw APIError(controlPlane: error)
        }
        guard let record else {
            throw APIError.unauthorized("the bearer token is not valid (unknown or revoked)")
        }
        return .apiKey(record)
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 7235), or
    /// nil for any other form.
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1])
        guard token.utf8.count <= 512 else { return nil }
        return token
    }

    static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
