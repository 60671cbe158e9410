import ControlPlane
import Foundation

/// A workspace API key as the API shows it. `key` is present only in the
/// answer that created it (api.md: "`key` only here"); listings carry
/// `revoked_at` instead.
struct APIKeyBody: Encodable, Sendable {
    var id: String
    var key: String?
    var workspaceID: String
    var permission: String
    var label: String
    var createdAt: Date
    var revokedAt: Date?
    /// Whether to write `revoked_at` (as null when live): listings only.
    var listing: Bool

    init(issued: IssuedAPIKey) {
        self.init(record: issued.record, key: issued.key, listing: false)
    }

    init(listed record: APIKeyRecord) {
        self.init(record: record, key: nil, listing: true)
    }

    private init(record: APIKeyRecord, key: String?, listing: Bool) {
        self.id = record.id
        self.key = key
        self.workspaceID = record.workspace.rawValue
        self.permission = record.permission.rawValue
        self.label = record.label
        self.createdAt = record.createdAt
        self.revokedAt = record.revokedAt
        self.listing = listing
    }

    enum CodingKeys: String, CodingKey {
        case id, key, permission, label
        case workspaceID = "workspace_id"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(key, forKey: .key)
        if listing {
            // The create answer is exactly api.md's `{"id", "key", "permission", "label", "created_at"}`.
            try container.encode(workspaceID, forKey: .workspaceID)
        }
        try container.encode(permission, forKey: .permission)
        try container.encode(label, forKey: .label)
        try container.encode(createdAt, forKey: .createdAt)
        if listing {
            try container.encode(revokedAt, forKey: .revokedAt)
        }
    }
}
