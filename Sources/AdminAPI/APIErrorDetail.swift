/// One entry of an error's `details`: which input field was wrong and why.
public struct APIErrorDetail: Sendable, Equatable, Codable {
    /// A path into the request (`id`, `parameters[0].name`), or the name of
    /// a checked component (`/readyz`).
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
