/// A column of `CreateTableRequest`; `nullable` defaults to true,
/// `primary_key` to false.
struct TableColumnRequest: Decodable, Sendable, Equatable {
    static let fields: Set<String> = ["name", "type", "nullable", "primary_key"]

    var name: String
    var type: String
    var nullable: Bool?
    var primaryKey: Bool?

    enum CodingKeys: String, CodingKey {
        case name, type, nullable
        case primaryKey = "primary_key"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.fields)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        nullable = try container.decodeIfPresent(Bool.self, forKey: .nullable)
        primaryKey = try container.decodeIfPresent(Bool.self, forKey: .primaryKey)
    }
}
