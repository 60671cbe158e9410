/// Where a workspace stands in its provisioning life cycle, as stored in
/// `workspaces.status`.
public enum WorkspaceStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Recorded in the control store; nothing exists on the upstream yet.
    case absent
    /// A provisioner is creating or repairing the workspace right now.
    case provisioning
    /// The last provisioning run finished; the database is usable.
    case active
    /// The last provisioning run failed; `statusDetail` says why.
    case failed
}
