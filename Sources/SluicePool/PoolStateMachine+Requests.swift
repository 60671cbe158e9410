extension PoolStateMachine {
    /// A client wants a connection.
    ///
    /// Served at once from the most recently used idle connection when nobody
    /// is queued ahead of it; otherwise queued (creating connections while
    /// below `maxConnections`) or, if the queue is full, failed with
    /// `.queueFull`. After `shutdown()` it fails with `.shutdown`. A request ID
    /// that is already queued or awaiting a health check is ignored, so a
    /// duplicate report cannot make one request wait twice.
    public mutating func leaseRequested(_ request: RequestID, now: PoolInstant) -> [Action] {
        guard lifecycle == .running else { return [.failRequest(request, .shutdown)] }
        guard !waiters.contains(request), !isAwaitingHealthCheck(request) else { return [] }
        var actions: [Action] = []
        let waiter = PoolWaiter(request: request, requestedAt: now)
        if waiters.isEmpty, let connection = takeIdleConnection(now: now, actions: &actions) {
            lease(connection, to: waiter, now: now, actions: &actions)
        } else if waiters.count >= configuration.maxWaiters {
            actions.append(.failRequest(request, .queueFull))
        } else {
            _ = waiters.append(waiter)
        }
        createConnectionsIfNeeded(for: .waitersAndMinIdle, actions: &actions)
        finishEvent(&actions)
        return actions
    }

    /// The client went away while queued: forget the request. Connections
    /// already being created for it stay useful (they go to the next waiter or
    /// idle), so nothing is cancelled. Unknown requests, including ones that
    /// already hold a connection, are ignored: a leased connection comes back
    /// through `released`.
    public mutating func cancelRequest(_ request: RequestID) -> [Action] {
        guard waiters.remove(request) else { return [] }
        var actions: [Action] = []
        finishEvent(&actions)
        return actions
    }

    /// The caller's ping on a `lease(_:to:healthCheck: true)` connection
    /// succeeded, so the lease stands and a later close of the connection no
    /// longer re-queues the request. Never produces actions; mismatched or
    /// stale reports are ignored.
    public mutating func healthCheckSucceeded(_ conn: ConnectionID, request: RequestID, now: PoolInstant) -> [Action] {
        guard var lease = leased[conn], lease.awaitingHealthCheck?.request == request else { return [] }
        lease.awaitingHealthCheck = nil
        leased[conn] = lease
        return []
    }
}
