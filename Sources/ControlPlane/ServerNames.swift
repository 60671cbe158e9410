import SluiceModel

/// Keeps every workspace's server names (`ws_<stem>`, `ws_<stem>_customer`...)
/// its own.
///
/// PostgreSQL truncates identifiers to 63 bytes, so an id longer than 51
/// characters is represented in server names by a shortened stem ending in a
/// hash of the whole id (`WorkspaceID.serverStem`). Two ids can then share a
/// stem only by a hash collision, or when a 51-character id is spelled exactly
/// like a long id's stem; the control store refuses the second such id
/// instead of letting two workspaces share a database and roles.
enum ServerNames {
    /// The existing workspace among `existing` whose server names `id` would
    /// take, if any (never `id` itself).
    static func holder(ofNamesOf id: WorkspaceID, among existing: [String]) -> WorkspaceID? {
        guard id.rawValue.utf8.count >= WorkspaceID.longestVerbatimStem else { return nil }
        let stem = id.serverStem
        for raw in existing where raw != id.rawValue {
            if let other = WorkspaceID(raw), other.serverStem == stem { return other }
        }
        return nil
    }
}
