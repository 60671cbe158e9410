/// A custom table as the tables endpoints show it:
/// `{"name", "schema": "storage", "columns": [{"name", "type", "nullable", "primary_key"}]}`.
struct TableBody: Encodable, Sendable, Equatable {
    struct Column: Encodable, Sendable, Equatable {
        var name: String
        var type: String
        var nullable: Bool
        var primaryKey: Bool

        enum CodingKeys: String, CodingKey {
            case name, type, nullable
            case primaryKey = "primary_key"
        }
    }

    var name: String
    var schema: String = "storage"
    var columns: [Column]
}
