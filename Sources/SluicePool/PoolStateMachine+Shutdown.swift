extension PoolStateMachine {
    /// Stops the pool: fails every waiter with `.shutdown` and closes idle
    /// connections now; leased connections are closed as they are released,
    /// and pending creations as they complete. `shutdownComplete` follows
    /// (possibly in this same result) once nothing is left. Repeated calls do
    /// nothing.
    public mutating func shutdown() -> [Action] {
        guard lifecycle == .running else { return [] }
        lifecycle = .shuttingDown
        scheduledTimer = nil
        var actions: [Action] = waiters.removeAll().map { .failRequest($0.request, .shutdown) }
        actions.append(contentsOf: idle.map { .closeConnection($0.id) })
        idle.removeAll()
        finishEvent(&actions)
        return actions
    }
}
