/// Permission of a workspace API key (api.md); each includes the ones before it.
public enum Permission: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case view
    case update
    case admin

    private var rank: Int {
        switch self {
        case .view: 0
        case .update: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rank < rhs.rank }
}
