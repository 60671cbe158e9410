/// A parameter object of a data query (workspace-data-queries):
/// `{"name", "type", "description", "default"?}`.
struct DataQueryParameterRequest: Decodable, Sendable, Equatable {
    static let fields: Set<String> = ["name", "type", "description", "default"]

    var name: String
    var type: String
    var description: String
    /// Absent and `null` both mean "required".
    var defaultValue: JSONInput?

    enum CodingKeys: String, CodingKey {
        case name, type, description
        case defaultValue = "default"
    }

    init(name: String, type: String, description: String, defaultValue: JSONInput?) {
        self.name = name
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.fields)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        description = try container.decode(String.self, forKey: .description)
        let value = try container.decodeIfPresent(JSONInput.self, forKey: .defaultValue)
        defaultValue = value == .null ? nil : value
    }
}
