/// One tool of the registry an agent runtime loads at session start:
/// `{"name", "description", "input_schema"}`, plus `query_id` for a data
/// query's `wsq_<name>` tool (how a client invokes it).
struct ToolBody: Encodable, Sendable, Equatable {
    var name: String
    var description: String
    var inputSchema: JSONNode
    var queryID: String?

    enum CodingKeys: String, CodingKey {
        case name, description
        case inputSchema = "input_schema"
        case queryID = "query_id"
    }
}
