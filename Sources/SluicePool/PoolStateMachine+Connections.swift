extension PoolStateMachine {
    /// A `createConnection` succeeded. The new connection goes to the oldest
    /// waiter, else idle; since the upstream evidently accepts connections
    /// again, creation is also resumed for waiters left uncovered by earlier
    /// failures.
    ///
    /// A connection the pool did not ask for (no creation pending) is closed
    /// rather than adopted, since adopting it could exceed `maxConnections`;
    /// a repeated report for a connection already held is ignored.
    public mutating func connectionEstablished(_ conn: ConnectionID, now: PoolInstant) -> [Action] {
        guard !holds(conn) else { return [] }
        guard pendingCreates > 0 else { return [.closeConnection(conn)] }
        pendingCreates -= 1
        var actions: [Action] = []
        if lifecycle == .running {
            makeAvailable(conn, createdAt: now, now: now, actions: &actions)
            createConnectionsIfNeeded(for: .waitersAndMinIdle, actions: &actions)
        } else {
            actions.append(.closeConnection(conn))
        }
        finishEvent(&actions)
        return actions
    }

    /// A `createConnection` failed with `error`.
    ///
    /// When more requests wait than creations remain pending, the oldest
    /// waiter is failed with `.connectFailed` right away: a down upstream
    /// should answer clients within a connect attempt, not after
    /// `waitTimeout`. No creation is retried here, which would spin against a
    /// down upstream; retries happen when new requests arrive, a connection
    /// frees up, or (for `minIdleConnections`) on `tick`.
    public mutating func connectionFailed(error: String, now: PoolInstant) -> [Action] {
        guard pendingCreates > 0 else { return [] }
        pendingCreates -= 1
        var actions: [Action] = []
        if lifecycle == .running, waiters.count > pendingCreates, let oldest = waiters.popFirst() {
            actions.append(.failRequest(oldest.request, .connectFailed(error)))
        }
        finishEvent(&actions)
        return actions
    }

    /// A client is done with a leased connection.
    ///
    /// A reusable connection within `maxLifetime` goes to the oldest waiter,
    /// else idle. Otherwise (or when shutting down) it is closed, and a
    /// replacement is created if requests are waiting. Connections the pool
    /// does not hold as leased are ignored.
    public mutating func released(_ conn: ConnectionID, reusable: Bool, now: PoolInstant) -> [Action] {
        guard let lease = leased.removeValue(forKey: conn) else { return [] }
        var actions: [Action] = []
        if lifecycle == .running, reusable, !isPastLifetime(createdAt: lease.createdAt, now: now) {
            makeAvailable(conn, createdAt: lease.createdAt, now: now, actions: &actions)
        } else {
            actions.append(.closeConnection(conn))
        }
        createConnectionsIfNeeded(for: .waitersAndMinIdle, actions: &actions)
        finishEvent(&actions)
        return actions
    }

    /// A connection closed underneath the pool (server went away, or a health
    /// check failed). It is forgotten wherever it was and, if requests are
    /// waiting, replaced. A request whose health check was pending on it is
    /// given another connection or re-queued with its original age (failed
    /// with `.shutdown` when shutting down). Unknown connections, such as
    /// ones the pool already told the caller to close, are ignored.
    public mutating func connectionClosed(_ conn: ConnectionID, now: PoolInstant) -> [Action] {
        var actions: [Action] = []
        if let index = idle.firstIndex(where: { $0.id == conn }) {
            idle.remove(at: index)
        } else if let lease = leased.removeValue(forKey: conn) {
            if let waiter = lease.awaitingHealthCheck {
                if lifecycle == .running {
                    serveOrRequeue(waiter, now: now, actions: &actions)
                } else {
                    actions.append(.failRequest(waiter.request, .shutdown))
                }
            }
        } else {
            return []
        }
        createConnectionsIfNeeded(for: .waitersAndMinIdle, actions: &actions)
        finishEvent(&actions)
        return actions
    }
}
