extension PoolStateMachine {
    /// An open connection nobody is using.
    struct IdleConnection: Sendable, Equatable {
        var id: ConnectionID
        /// When the connection was established; bounds it by `maxLifetime`.
        var createdAt: PoolInstant
        /// When it last became idle; drives `idleTimeout` and
        /// `healthCheckAfterIdle`.
        var idleSince: PoolInstant
    }
}
