/// Why a tools command or an MCP tool call did not produce a result.
public enum ToolsError: Error, Sendable, CustomStringConvertible {
    /// The API answered with its error envelope (denial, validation, not found, ...).
    case api(APIFailure)
    /// The API could not be reached, or did not answer in time.
    case unreachable(String)
    /// The API answered with something that is not what the contract says.
    case badResponse(status: Int, reason: String)
    /// No base URL or key, or one that cannot be used.
    case configuration(String)
    /// The name is not a tool of the workspace.
    case unknownTool(String, known: [String])
    /// The tool exists but this client does not know how to call it.
    case unsupportedTool(String)
    /// The payload or arguments are not a JSON object.
    case invalidPayload(String)

    public var description: String {
        switch self {
        case .api(let failure): failure.summary
        case .unreachable(let reason): "cannot reach the Sluice API: \(reason)"
        case .badResponse(let status, let reason): "unexpected answer from the Sluice API (HTTP \(status)): \(reason)"
        case .configuration(let reason): reason
        case .unknownTool(let name, let known):
            "unknown tool \"\(name)\"" + (known.isEmpty ? "" : "; tools of this workspace: " + known.joined(separator: ", "))
        case .unsupportedTool(let name): "tool \"\(name)\" has no query_id and is not query_customer_db: this client cannot call it"
        case .invalidPayload(let reason): reason
        }
    }
}
