/// `POST /api/v2/tools/query_customer_db` `{"sql": "...", "max_rows": 1000}`.
/// `timeout_ms` (optional, 100-60000, default 15000) shortens or lengthens
/// the statement timeout of this one call.
struct QueryCustomerDBRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["sql", "max_rows", "timeout_ms"]

    var sql: String
    var maxRows: Int?
    var timeoutMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case sql
        case maxRows = "max_rows"
        case timeoutMilliseconds = "timeout_ms"
    }
}
