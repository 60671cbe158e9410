/// `POST /v1/{workspace_id}/data_queries`.
struct CreateDataQueryRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["name", "description", "sql_template", "parameters", "timeout_ms"]

    var name: String
    var description: String
    var sqlTemplate: String
    var parameters: [DataQueryParameterRequest]?
    var timeoutMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case name, description, parameters
        case sqlTemplate = "sql_template"
        case timeoutMilliseconds = "timeout_ms"
    }
}
