/// Server connections are interchangeable only within one upstream, database
/// and role: a client of workspace A is never handed one of workspace B.
///
/// Its hash is computed once, when it is made: a lease makes one key and looks
/// it up; the release looks up the connection's own key, hashing one Int.
struct PoolKey: Hashable, Sendable {
    let target: UpstreamTarget
    let database: String
    let user: String
    private let hash: Int

    init(target: UpstreamTarget, database: String, user: String) {
        self.target = target
        self.database = database
        self.user = user
        var hasher = Hasher()
        hasher.combine(target)
        hasher.combine(database)
        hasher.combine(user)
        hash = hasher.finalize()
    }

    static func == (lhs: PoolKey, rhs: PoolKey) -> Bool {
        lhs.hash == rhs.hash && lhs.target == rhs.target && lhs.database == rhs.database && lhs.user == rhs.user
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
