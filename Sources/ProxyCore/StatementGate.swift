import NIOCore
import PGWire
import SluiceModel

/// The one place every client message passes before it reaches a server
/// connection. The statement policy plugs in here; until it does, everything
/// is forwarded.
public protocol StatementGate: Sendable {
    /// Decide on one client message (`frame` is the decoded envelope; its
    /// payload is only parsed by gates that need it).
    func judge(frame: Frame, user: ClientUser, mode: PoolMode) -> GateDecision
}

public enum GateDecision: Sendable, Equatable {
    case forward
    /// Answer the client with this error instead of forwarding.
    case deny(ErrorFields)
}

/// Forwards everything: the seam before the policy exists, and the
/// "policy off" switch that benchmarks compare against.
public struct AllowAllGate: StatementGate {
    public init() {}
    public func judge(frame: Frame, user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
}
