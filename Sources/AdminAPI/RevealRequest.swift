/// `POST /api/v2/ingestion/connection-uris/reveal` `{"kind": "customer", "pooled": true}`;
/// both optional, with those defaults. `workspace_id` names the workspace for
/// the operator token (a key may only name its own).
struct RevealRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["kind", "pooled", "workspace_id"]

    var kind: String?
    var pooled: Bool?
    var workspaceID: String?

    init(kind: String? = nil, pooled: Bool? = nil, workspaceID: String? = nil) {
        self.kind = kind
        self.pooled = pooled
        self.workspaceID = workspaceID
    }

    enum CodingKeys: String, CodingKey {
        case kind, pooled
        case workspaceID = "workspace_id"
    }
}
