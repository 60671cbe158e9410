/// `POST /api/v2/workspaces/{id}/api-keys` `{"permission": "view"|"update"|"admin", "label": "..."}`.
///
/// The permission is read as text and checked by `OperatorService`, so a
/// wrong value gets a message that lists the right ones.
struct CreateAPIKeyRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["permission", "label"]

    var permission: String
    var label: String?

    init(permission: String, label: String?) {
        self.permission = permission
        self.label = label
    }
}
