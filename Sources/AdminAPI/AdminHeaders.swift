import HTTPTypes
import Hummingbird

/// Header names of the API beyond the standard ones.
enum AdminHeaders {
    /// Echoes (or assigns) the id that every log line of the request carries.
    static let requestID = name("X-Request-Id")
    /// The workspace an operator-token request to `/api/v2/ingestion/...` acts on.
    static let workspaceID = name("X-Workspace-Id")

    /// `HTTPField.Name.init` is failable for arbitrary text; these literals
    /// are valid tokens, which a unit test also checks.
    private static func name(_ literal: StaticString) -> HTTPField.Name {
        guard let name = HTTPField.Name("\(literal)") else {
            preconditionFailure("\(literal) is not a valid HTTP field name")
        }
        return name
    }
}
