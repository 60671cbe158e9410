/// One entry of `GET /v1/{workspace_id}/tools`.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object (`{"type": "object", "properties": ..., "required": ...}`).
    public var inputSchema: JSONValue
    /// Set for the data-query tools (`wsq_<name>`).
    public var queryID: String?

    public init(name: String, description: String, inputSchema: JSONValue, queryID: String? = nil) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        self.queryID = queryID
    }

    /// Reads one tool; nil when it has no name.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.string, !name.isEmpty else { return nil }
        self.name = name
        description = json["description"]?.string ?? ""
        // A schema that is missing or not an object still has to be an object for MCP clients.
        if let schema = json["input_schema"], schema.members != nil {
            inputSchema = schema
        } else {
            inputSchema = .object([("type", .string("object")), ("properties", .object([]))])
        }
        queryID = json["query_id"]?.string
    }

    /// `(name, type, required)` of each property of the input schema, in schema order.
    public var parameters: [(name: String, type: String, required: Bool)] {
        let required = Set((inputSchema["required"]?.array ?? []).compactMap(\.string))
        return (inputSchema["properties"]?.members ?? []).map { member in
            let type: String
            switch member.value["type"] {
            case .string(let name)?: type = name
            case .array(let names)?: type = names.compactMap(\.string).joined(separator: "|")
            default: type = "any"
            }
            return (member.key, type, required.contains(member.key))
        }
    }
}
