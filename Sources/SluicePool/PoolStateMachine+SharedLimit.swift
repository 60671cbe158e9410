extension PoolStateMachine {
    /// The caller could not perform a `createConnection` just returned,
    /// because a limit shared with other pools is reached (the connections
    /// of one upstream server across its workspace roles). Unlike
    /// `connectionFailed`, no waiter is failed: they keep waiting, up to
    /// `waitTimeout`, for `capacityAvailable` or a released connection.
    public mutating func creationDeferred(now: PoolInstant) -> [Action] {
        guard pendingCreates > 0 else { return [] }
        pendingCreates -= 1
        var actions: [Action] = []
        finishEvent(&actions)
        return actions
    }

    /// The shared limit has room again: create what waiters (and
    /// `minIdleConnections`) still need, within `maxConnections`.
    public mutating func capacityAvailable(now: PoolInstant) -> [Action] {
        var actions: [Action] = []
        createConnectionsIfNeeded(for: .waitersAndMinIdle, actions: &actions)
        finishEvent(&actions)
        return actions
    }

    /// Whether requests wait that no pending creation will serve.
    public var hasUnservedWaiters: Bool {
        lifecycle == .running && waiters.count > pendingCreates && idle.isEmpty
    }

    /// Closes the connection idle the longest, to give its place under a
    /// shared limit to another pool whose requests wait. Nil when none is idle.
    public mutating func evictIdle(now: PoolInstant) -> [Action]? {
        guard lifecycle == .running, !idle.isEmpty else { return nil }
        var oldest = 0
        for index in idle.indices where idle[index].idleSince < idle[oldest].idleSince {
            oldest = index
        }
        let victim = idle.remove(at: oldest)
        var actions: [Action] = [.closeConnection(victim.id)]
        finishEvent(&actions)
        return actions
    }
}
