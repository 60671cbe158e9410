import ControlPlane
import Foundation

/// A data query as every read, create and update answers it: exactly the
/// nine members of workspace-data-queries "Response Fields"; absent
/// timestamps are `null`.
struct DataQueryBody: Encodable, Sendable {
    var record: DataQueryRecord

    init(_ record: DataQueryRecord) {
        self.record = record
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, parameters
        case sqlTemplate = "sql_template"
        case timeoutMilliseconds = "timeout_ms"
        case lastInvokedAt = "last_invoked_at"
        case deployedAt = "deployed_at"
        case deployedBy = "deployed_by"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id.uuidString.lowercased(), forKey: .id)
        try container.encode(record.name, forKey: .name)
        try container.encode(record.description, forKey: .description)
        try container.encode(record.sqlTemplate, forKey: .sqlTemplate)
        try container.encode(record.parameters.map(Parameter.init), forKey: .parameters)
        try container.encode(record.timeoutMilliseconds, forKey: .timeoutMilliseconds)
        try container.encode(record.lastInvokedAt, forKey: .lastInvokedAt)
        try container.encode(record.deployedAt, forKey: .deployedAt)
        try container.encode(record.deployedBy, forKey: .deployedBy)
    }

    /// `{"name", "type", "description", "default"}`; `default` is null when required.
    struct Parameter: Encodable, Sendable {
        var record: DataQueryParameterRecord

        init(_ record: DataQueryParameterRecord) {
            self.record = record
        }

        enum CodingKeys: String, CodingKey {
            case name, type, description
            case defaultValue = "default"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(record.name, forKey: .name)
            try container.encode(record.type, forKey: .type)
            try container.encode(record.description, forKey: .description)
            let value = record.defaultJSON.flatMap(JSONInput.init(jsonText:))?.node ?? .null
            try container.encode(value, forKey: .defaultValue)
        }
    }
}
