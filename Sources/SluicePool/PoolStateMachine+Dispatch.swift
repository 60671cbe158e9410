extension PoolStateMachine {
    /// Which unmet demand a creation pass may open connections for.
    enum CreationDemand {
        /// Queued requests plus the `minIdleConnections` shortfall.
        case waitersAndMinIdle
        /// Only the `minIdleConnections` shortfall. Used by `tick`, so that a
        /// failing upstream is not retried for waiters on every timer.
        case minIdleOnly
    }

    /// Whether the pool currently holds `conn` (idle or leased).
    func holds(_ conn: ConnectionID) -> Bool {
        leased[conn] != nil || idle.contains { $0.id == conn }
    }

    /// Whether `request` holds a lease still waiting for its health check.
    /// Linear in the leased connections, which `maxConnections` keeps few.
    func isAwaitingHealthCheck(_ request: RequestID) -> Bool {
        leased.values.contains { $0.awaitingHealthCheck?.request == request }
    }

    func isPastLifetime(createdAt: PoolInstant, now: PoolInstant) -> Bool {
        guard let maxLifetime = configuration.maxLifetime else { return false }
        return now >= createdAt + maxLifetime
    }

    /// Pops the most recently used idle connection, closing (never leasing)
    /// any that are past `maxLifetime` on the way.
    mutating func takeIdleConnection(now: PoolInstant, actions: inout [Action]) -> IdleConnection? {
        while let candidate = idle.popLast() {
            guard isPastLifetime(createdAt: candidate.createdAt, now: now) else { return candidate }
            actions.append(.closeConnection(candidate.id))
        }
        return nil
    }

    /// Leases a connection taken from idle, asking for a health check when
    /// it sat idle at least `healthCheckAfterIdle`.
    mutating func lease(
        _ connection: IdleConnection,
        to waiter: PoolWaiter<RequestID>,
        now: PoolInstant,
        actions: inout [Action]
    ) {
        let healthCheck = configuration.healthCheckAfterIdle.map { now >= connection.idleSince + $0 } ?? false
        leased[connection.id] = LeasedConnection(
            createdAt: connection.createdAt,
            awaitingHealthCheck: healthCheck ? waiter : nil
        )
        actions.append(.lease(connection.id, to: waiter.request, healthCheck: healthCheck))
    }

    /// Hands a connection that was just in use (or just opened) to the
    /// oldest waiter, without a health check, or parks it idle.
    mutating func makeAvailable(
        _ conn: ConnectionID,
        createdAt: PoolInstant,
        now: PoolInstant,
        actions: inout [Action]
    ) {
        if let waiter = waiters.popFirst() {
            leased[conn] = LeasedConnection(createdAt: createdAt, awaitingHealthCheck: nil)
            actions.append(.lease(conn, to: waiter.request, healthCheck: false))
        } else {
            idle.append(IdleConnection(id: conn, createdAt: createdAt, idleSince: now))
        }
    }

    /// Gives a request whose health-checked connection failed another idle
    /// connection, or puts it back in the queue at its original position.
    /// The queue bound is not applied: the request was admitted already.
    mutating func serveOrRequeue(_ waiter: PoolWaiter<RequestID>, now: PoolInstant, actions: inout [Action]) {
        if waiters.isEmpty, let connection = takeIdleConnection(now: now, actions: &actions) {
            lease(connection, to: waiter, now: now, actions: &actions)
        } else {
            _ = waiters.insertByAge(waiter)
        }
    }

    /// Issues `createConnection`s for the unmet `demand`, within
    /// `maxConnections`. Pending creations count as covering waiters first
    /// and the idle shortfall second, since a new connection goes to the
    /// oldest waiter before it may go idle.
    mutating func createConnectionsIfNeeded(for demand: CreationDemand, actions: inout [Action]) {
        guard lifecycle == .running else { return }
        let idleShortfall = max(0, configuration.minIdleConnections - idle.count)
        let needed: Int
        switch demand {
        case .waitersAndMinIdle:
            needed = waiters.count + idleShortfall - pendingCreates
        case .minIdleOnly:
            needed = idleShortfall - max(0, pendingCreates - waiters.count)
        }
        let count = min(needed, configuration.maxConnections - totalConnections)
        guard count > 0 else { return }
        pendingCreates += count
        actions.append(contentsOf: repeatElement(Action.createConnection, count: count))
    }

    /// Common tail of every event: arm the timer while running, or report
    /// shutdown completion once the last connection is gone.
    mutating func finishEvent(_ actions: inout [Action]) {
        switch lifecycle {
        case .running:
            scheduleTimerIfNeeded(&actions)
        case .shuttingDown:
            if totalConnections == 0 {
                lifecycle = .shutDown
                actions.append(.shutdownComplete)
            }
        case .shutDown:
            break
        }
    }
}
