/// `POST /api/v2/workspaces` `{"id": "acme", "name": "Acme Inc"}`.
struct CreateWorkspaceRequest: StrictBody, Equatable {
    static let fields: Set<String> = ["id", "name"]

    var id: String
    /// Defaults to the id.
    var name: String?

    init(id: String, name: String?) {
        self.id = id
        self.name = name
    }
}
