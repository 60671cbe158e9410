extension PoolStateMachine {
    /// Work the caller must perform after an event, in the order returned.
    public enum Action: Sendable, Equatable {
        /// Open one new upstream connection, then report
        /// `connectionEstablished` or `connectionFailed`. Counted against
        /// `maxConnections` from the moment it is returned.
        case createConnection
        /// Give the connection to the request. With `healthCheck` the
        /// connection sat idle long enough to be suspect: ping it first and
        /// report `healthCheckSucceeded`, or `connectionClosed` if the ping
        /// fails (the pool then finds the request another connection).
        case lease(ConnectionID, to: RequestID, healthCheck: Bool)
        /// Answer the request with an error; the pool has forgotten it.
        case failRequest(RequestID, PoolError)
        /// Close the connection; the pool has already forgotten it, so a later
        /// `connectionClosed` for it is ignored.
        case closeConnection(ConnectionID)
        /// Call `tick(now:)` at or after this instant. Returned only when it is
        /// earlier than any timer requested before and not yet ticked past, so
        /// a caller may keep a single timer and move it earlier on each of
        /// these; a tick that finds nothing due is harmless.
        case scheduleTimer(at: PoolInstant)
        /// Shutdown finished: no connections, creations or requests remain.
        /// Returned exactly once.
        case shutdownComplete
    }
}
