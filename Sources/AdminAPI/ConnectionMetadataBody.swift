import Foundation

/// `GET /api/v2/ingestion/connection-uris/metadata`:
/// `{"project": {"id", "upstream"}, "database", "roles": [{"kind", "name", "pooled_host", "pooled_port", "password_rotated_at"}]}`.
public struct ConnectionMetadataBody: Encodable, Sendable {
    public struct Project: Encodable, Sendable {
        /// The workspace id.
        public var id: String
        /// `host:port` of the server holding the database.
        public var upstream: String
    }

    public struct Role: Encodable, Sendable {
        public var kind: String
        /// The user name a client logs in with at the proxy (`customer.acme`).
        public var name: String
        public var pooledHost: String
        public var pooledPort: Int
        public var passwordRotatedAt: Date

        enum CodingKeys: String, CodingKey {
            case kind, name
            case pooledHost = "pooled_host"
            case pooledPort = "pooled_port"
            case passwordRotatedAt = "password_rotated_at"
        }
    }

    public var project: Project
    public var database: String
    public var roles: [Role]
}
