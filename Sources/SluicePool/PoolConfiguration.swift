/// Limits and timeouts for one pool, i.e. one (upstream, workspace, role) key
/// on one event loop.
///
/// All durations are measured against the `PoolInstant`s the caller passes in.
/// Out-of-range values are clamped when a `PoolStateMachine` is created (see
/// `normalized`) rather than rejected, so a bad config value degrades the
/// pool instead of crashing the proxy.
public struct PoolConfiguration: Sendable, Equatable {
    /// Upper bound on idle + leased + pending connections for this key.
    /// Values below 1 are treated as 1.
    public var maxConnections: Int
    /// Idle connections kept warm: after a lease or tick the pool opens new
    /// connections until at least this many are idle (or creating), and idle
    /// timeouts never shrink the idle set below it.
    public var minIdleConnections: Int
    /// Idle connections unused for at least this long are closed (keeping
    /// `minIdleConnections`). `nil` keeps idle connections forever.
    public var idleTimeout: Duration?
    /// Connections at least this old are closed instead of being reused,
    /// bounding server-side memory growth and picking up server config
    /// changes. `nil` disables the limit.
    public var maxLifetime: Duration?
    /// A lease request that waits at least this long fails with
    /// `PoolError.waitTimeout`.
    public var waitTimeout: Duration
    /// Leasing a connection that has been idle at least this long asks the
    /// caller to health-check it first, since servers and middleboxes drop
    /// long-idle connections silently. `nil` never asks.
    public var healthCheckAfterIdle: Duration?
    /// Bound on queued lease requests; beyond it requests fail at once with
    /// `PoolError.queueFull`.
    public var maxWaiters: Int

    public init(
        maxConnections: Int = 20,
        minIdleConnections: Int = 0,
        idleTimeout: Duration? = .seconds(600),
        maxLifetime: Duration? = .seconds(3600),
        waitTimeout: Duration = .seconds(30),
        healthCheckAfterIdle: Duration? = .seconds(30),
        maxWaiters: Int = 10_000
    ) {
        self.maxConnections = maxConnections
        self.minIdleConnections = minIdleConnections
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.waitTimeout = waitTimeout
        self.healthCheckAfterIdle = healthCheckAfterIdle
        self.maxWaiters = maxWaiters
    }

    /// This configuration with every value forced into its valid range:
    /// `maxConnections >= 1`, `0 <= minIdleConnections <= maxConnections`,
    /// `maxWaiters >= 0`, durations `>= 0`.
    public var normalized: PoolConfiguration {
        var copy = self
        copy.maxConnections = max(1, maxConnections)
        copy.minIdleConnections = min(max(0, minIdleConnections), copy.maxConnections)
        copy.maxWaiters = max(0, maxWaiters)
        copy.idleTimeout = idleTimeout.map { max(.zero, $0) }
        copy.maxLifetime = maxLifetime.map { max(.zero, $0) }
        copy.waitTimeout = max(.zero, waitTimeout)
        copy.healthCheckAfterIdle = healthCheckAfterIdle.map { max(.zero, $0) }
        return copy
    }
}
