import ControlPlane
import Foundation

/// A workspace as the operator endpoints show it: `{"id", "name", "created_at"}`.
struct WorkspaceBody: Encodable, Sendable {
    var id: String
    var name: String
    var createdAt: Date

    init(_ record: WorkspaceRecord) {
        self.id = record.id.rawValue
        self.name = record.name
        self.createdAt = record.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
    }
}
