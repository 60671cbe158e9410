import SluiceModel

/// The executor of an API built without a proxy (tools that only manage the
/// control store): every workspace statement is 503.
struct UnavailableQueryExecutor: WorkspaceQueryExecutor {
    func execute(_ query: WorkspaceQuery) async throws(WorkspaceQueryFailure) -> QueryResult {
        throw .unavailable(QueryErrorDetail(sqlstate: "08006", message: "this process runs no proxy to reach workspace databases"))
    }
}
