/// Why a lease request was answered with a failure instead of a connection.
///
/// Each case maps onto a distinct client-facing PostgreSQL error in the proxy,
/// so the cases carry just enough detail to word that error.
public enum PoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request waited `waited` (at least `waitTimeout`) without a
    /// connection becoming available (pgbouncer's `query_wait_timeout`).
    case waitTimeout(waited: Duration)
    /// The wait queue already held `maxWaiters` requests; failing at once
    /// bounds memory and latency when the upstream cannot keep up.
    case queueFull
    /// The pool is shutting down and will not hand out connections.
    case shutdown
    /// Opening an upstream connection failed; reported to a waiting client
    /// immediately so a down upstream answers fast instead of after the
    /// wait timeout.
    case connectFailed(String)

    public var description: String {
        switch self {
        case .waitTimeout(let waited):
            return "timed out waiting for a server connection after \(waited)"
        case .queueFull:
            return "too many clients waiting for a server connection"
        case .shutdown:
            return "connection pool is shutting down"
        case .connectFailed(let reason):
            return "could not connect to server: \(reason)"
        }
    }
}
