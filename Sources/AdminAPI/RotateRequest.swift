/// `POST /api/v2/ingestion/connection-uris/rotate`
/// `{"kind": "customer", "terminate_sessions": false, "pooled": true}`; all
/// optional, with those defaults (`pooled` chooses the URI in the answer).
struct RotateRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["kind", "terminate_sessions", "pooled", "workspace_id"]

    var kind: String?
    var terminateSessions: Bool?
    var pooled: Bool?
    /// For the operator token (see `RevealRequest`).
    var workspaceID: String?

    init(kind: String? = nil, terminateSessions: Bool? = nil, pooled: Bool? = nil, workspaceID: String? = nil) {
        self.kind = kind
        self.terminateSessions = terminateSessions
        self.pooled = pooled
        self.workspaceID = workspaceID
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case terminateSessions = "terminate_sessions"
        case pooled
        case workspaceID = "workspace_id"
    }
}
