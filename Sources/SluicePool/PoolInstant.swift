/// A point in time on the caller's monotonic clock, in nanoseconds.
///
/// The state machine never reads a clock itself: every event carries the
/// caller's `now` so that the machine stays a pure value type and tests can
/// drive it with hand-picked instants. The caller is expected to pass
/// non-decreasing instants from a monotonic source (for example the uptime
/// nanoseconds behind `NIODeadline.now()`); the origin is irrelevant.
public struct PoolInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the caller's (arbitrary) clock origin.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// Saturating, so an absurdly long timeout means "never" instead of
    /// trapping on overflow; negative durations count as zero.
    public static func + (lhs: PoolInstant, rhs: Duration) -> PoolInstant {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.clampedNanoseconds)
        return PoolInstant(nanoseconds: overflow ? UInt64.max : sum)
    }

    /// The time elapsed from `earlier` to `self`; zero if `earlier` is later,
    /// so a caller clock that steps backwards cannot produce negative waits.
    public func duration(since earlier: PoolInstant) -> Duration {
        guard nanoseconds > earlier.nanoseconds else { return .zero }
        return .nanoseconds(nanoseconds - earlier.nanoseconds)
    }

    public static func < (lhs: PoolInstant, rhs: PoolInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public var description: String { "@\(nanoseconds)ns" }
}
