/// The connection pool for one (upstream, workspace, role) key on one event
/// loop, as a pure value-type state machine.
///
/// It performs no I/O, reads no clock and never suspends: each event method
/// takes the caller's `now`, updates the state and returns the `Action`s the
/// caller must perform (open or close a connection, hand a connection to a
/// request, fail a request, arm a timer). Keeping the policy free of NIO makes
/// every rule testable with plain values and lets the proxy's handlers stay
/// thin.
///
/// Policy in brief:
/// - idle + leased + pending creations never exceeds `maxConnections`;
/// - waiters are served strictly FIFO, and a connection that becomes
///   available goes to the oldest waiter before it may go idle;
/// - idle connections are reused LIFO (most recently used first), which keeps
///   a hot few busy and lets the rest reach their idle timeout;
/// - a connection past `maxLifetime` is closed instead of being leased or
///   kept idle;
/// - after `shutdown()` nothing is created or leased.
///
/// Connection IDs are chosen by the caller (it learns them when it opens the
/// connection); request IDs identify client lease requests.
public struct PoolStateMachine<ConnectionID: Hashable & Sendable, RequestID: Hashable & Sendable>: Sendable {
    /// The configuration in effect, already `normalized`.
    public let configuration: PoolConfiguration

    var lifecycle: Lifecycle = .running
    /// Idle connections ordered by when they became idle, oldest first, so
    /// leases pop from the back (LIFO) and idle timeouts reap from the front.
    var idle: [IdleConnection] = []
    var leased: [ConnectionID: LeasedConnection] = [:]
    var waiters = WaiterQueue<RequestID>()
    /// The earliest `scheduleTimer` instant handed out and not yet passed by a
    /// `tick`; used to avoid re-arming a timer that will already fire in time.
    var scheduledTimer: PoolInstant?

    /// `createConnection` actions issued and not yet answered by
    /// `connectionEstablished` / `connectionFailed`.
    public internal(set) var pendingCreates: Int = 0

    public init(configuration: PoolConfiguration) {
        self.configuration = configuration.normalized
    }

    // MARK: Introspection (metrics, tests)

    public var idleCount: Int { idle.count }

    public var leasedCount: Int { leased.count }

    public var waiterCount: Int { waiters.count }

    /// idle + leased + pending creations: what `maxConnections` bounds.
    public var totalConnections: Int { idle.count + leased.count + pendingCreates }

    /// Whether `shutdown()` has been called.
    public var isShuttingDown: Bool { lifecycle != .running }
}
