extension PoolStateMachine {
    /// Where the pool is in its life. Shutdown is two-phase because leased
    /// connections can only be closed once their clients release them.
    enum Lifecycle: Sendable, Equatable {
        /// Serving leases.
        case running
        /// `shutdown()` was called; waiting for leased connections and pending
        /// creations to come back so they can be closed.
        case shuttingDown
        /// `shutdownComplete` has been returned; the pool owns nothing.
        case shutDown
    }
}
