extension PoolStateMachine {
    /// An open connection handed to a request.
    struct LeasedConnection: Sendable, Equatable {
        /// When the connection was established; checked against
        /// `maxLifetime` when it is released.
        var createdAt: PoolInstant
        /// Set while the lease awaits its health check: the request it was
        /// handed to, kept so that a failed check can put the request back in
        /// the queue instead of failing the client for a stale connection.
        var awaitingHealthCheck: PoolWaiter<RequestID>?
    }
}
