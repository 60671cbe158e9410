/// Server connections are interchangeable only within one upstream, database
/// and role: a client of workspace A is never handed one of workspace B.
struct PoolKey: Hashable, Sendable {
    var target: UpstreamTarget
    var database: String
    var user: String
}
