/// `POST /v1/{workspace_id}/tables`
/// `{"name": "leads", "columns": [{"name", "type", "nullable", "primary_key"}]}`.
struct CreateTableRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["name", "columns"]

    var name: String
    var columns: [TableColumnRequest]
}
