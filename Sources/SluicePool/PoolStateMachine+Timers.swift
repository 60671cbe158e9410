extension PoolStateMachine {
    /// Time-driven housekeeping; call at (or after) each `scheduleTimer`
    /// instant. Fails waiters that have waited `waitTimeout`, closes idle
    /// connections past `maxLifetime` and, oldest first, those idle for
    /// `idleTimeout` while more than `minIdleConnections` are idle, then
    /// refills `minIdleConnections` and arms the next timer. Spurious or early
    /// ticks are harmless.
    public mutating func tick(now: PoolInstant) -> [Action] {
        guard lifecycle == .running else { return [] }
        if let scheduled = scheduledTimer, scheduled <= now {
            scheduledTimer = nil
        }
        var actions: [Action] = []
        expireWaiters(now: now, actions: &actions)
        reapIdleConnections(now: now, actions: &actions)
        createConnectionsIfNeeded(for: .minIdleOnly, actions: &actions)
        finishEvent(&actions)
        return actions
    }

    /// The earliest instant at which `tick` would have work to do, if any.
    ///
    /// Runs after every event (twice per transaction under transaction
    /// pooling), so it is one pass over the idle connections without
    /// allocating.
    func nextDeadline() -> PoolInstant? {
        // The queue is ordered by age, so the front waiter expires first.
        var earliest = waiters.first.map { $0.requestedAt + configuration.waitTimeout }
        let maxLifetime = configuration.maxLifetime
        let idleTimeout = idle.count > configuration.minIdleConnections ? configuration.idleTimeout : nil
        guard maxLifetime != nil || idleTimeout != nil, !idle.isEmpty else { return earliest }
        var oldestCreated = idle[0].createdAt
        var longestIdle = idle[0].idleSince
        for connection in idle.dropFirst() {
            if connection.createdAt < oldestCreated { oldestCreated = connection.createdAt }
            if connection.idleSince < longestIdle { longestIdle = connection.idleSince }
        }
        if let maxLifetime {
            let deadline = oldestCreated + maxLifetime
            earliest = min(earliest ?? deadline, deadline)
        }
        if let idleTimeout {
            let deadline = longestIdle + idleTimeout
            earliest = min(earliest ?? deadline, deadline)
        }
        return earliest
    }

    /// Returns a `scheduleTimer` only when the next deadline is earlier than
    /// the timer already requested, so steady traffic does not flood the
    /// caller with timer re-arms.
    mutating func scheduleTimerIfNeeded(_ actions: inout [Action]) {
        guard lifecycle == .running, let deadline = nextDeadline() else { return }
        if let scheduled = scheduledTimer, scheduled <= deadline { return }
        scheduledTimer = deadline
        actions.append(.scheduleTimer(at: deadline))
    }

    private mutating func expireWaiters(now: PoolInstant, actions: inout [Action]) {
        while let oldest = waiters.first, now >= oldest.requestedAt + configuration.waitTimeout {
            _ = waiters.popFirst()
            let waited = now.duration(since: oldest.requestedAt)
            actions.append(.failRequest(oldest.request, .waitTimeout(waited: waited)))
        }
    }

    private mutating func reapIdleConnections(now: PoolInstant, actions: inout [Action]) {
        var withinLifetime: [IdleConnection] = []
        for connection in idle {
            if isPastLifetime(createdAt: connection.createdAt, now: now) {
                actions.append(.closeConnection(connection.id))
            } else {
                withinLifetime.append(connection)
            }
        }
        guard let idleTimeout = configuration.idleTimeout else {
            idle = withinLifetime
            return
        }
        // `idle` is oldest-idle first, so the connections kept for
        // `minIdleConnections` are the most recently used ones.
        var excess = withinLifetime.count - configuration.minIdleConnections
        var survivors: [IdleConnection] = []
        for connection in withinLifetime {
            if excess > 0, now >= connection.idleSince + idleTimeout {
                actions.append(.closeConnection(connection.id))
                excess -= 1
            } else {
                survivors.append(connection)
            }
        }
        idle = survivors
    }
}
