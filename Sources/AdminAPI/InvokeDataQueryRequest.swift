/// `POST /v1/{workspace_id}/data_queries/{query_id}/invoke` `{"input": {...}}`.
struct InvokeDataQueryRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["input"]

    var input: [String: JSONInput]?
}
