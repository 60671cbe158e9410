/// What the control plane needs to know: where workspaces may live, where its
/// own database lives, and the key its secrets are sealed with.
///
/// Validated once at construction, so every later step can rely on a known
/// control upstream and unique upstream names.
public struct ControlPlaneConfiguration: Sendable, CustomStringConvertible {
    /// Servers that may host workspace databases; new workspaces go to the
    /// one hosting the fewest.
    public var upstreams: [UpstreamServer]
    /// The control database's name on `controlUpstream`.
    public var controlDatabase: String
    /// The server that hosts the control database.
    public var controlUpstream: UpstreamServer
    public var masterKey: MasterKey
    /// `CONNECTION LIMIT` of every workspace's customer role, so one
    /// workspace cannot exhaust the server's `max_connections`.
    public var customerConnectionLimit: Int

    /// - Parameter controlUpstream: defaults to the first of `upstreams`; may
    ///   be a server outside `upstreams` that hosts no workspaces.
    public init(
        upstreams: [UpstreamServer],
        controlDatabase: String = "sluice_control",
        controlUpstream: UpstreamServer? = nil,
        masterKey: MasterKey,
        customerConnectionLimit: Int = 64
    ) throws {
        guard let first = upstreams.first else {
            throw ControlPlaneError.invalidConfiguration("at least one upstream server is required")
        }
        var seen = Set<String>()
        for upstream in upstreams {
            guard !upstream.name.isEmpty else {
                throw ControlPlaneError.invalidConfiguration("an upstream server has an empty name")
            }
            guard seen.insert(upstream.name).inserted else {
                throw ControlPlaneError.invalidConfiguration("upstream name \"\(upstream.name)\" is used twice")
            }
            guard (1...65_535).contains(upstream.port) else {
                throw ControlPlaneError.invalidConfiguration("upstream \"\(upstream.name)\" has port \(upstream.port)")
            }
        }
        guard SQLText.isUsableIdentifier(controlDatabase) else {
            throw ControlPlaneError.invalidConfiguration(
                "the control database name must be 1 to 63 bytes without NUL"
            )
        }
        guard customerConnectionLimit >= 1 else {
            throw ControlPlaneError.invalidConfiguration("customerConnectionLimit must be at least 1")
        }
        self.upstreams = upstreams
        self.controlDatabase = controlDatabase
        self.controlUpstream = controlUpstream ?? first
        self.masterKey = masterKey
        self.customerConnectionLimit = customerConnectionLimit
    }

    /// The configured workspace upstream called `name`.
    public func upstream(named name: String) -> UpstreamServer? {
        upstreams.first { $0.name == name }
    }

    public var description: String {
        "ControlPlaneConfiguration(upstreams: \(upstreams), control: \(controlUpstream.name)/\(controlDatabase), "
            + "customerConnectionLimit: \(customerConnectionLimit))"
    }
}
