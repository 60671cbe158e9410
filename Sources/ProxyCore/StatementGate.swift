import PGWire
import SluiceModel

/// The one place every client statement passes before it reaches a server
/// connection: the text of each simple `Query` and each `Parse`, every
/// `FunctionCall`, the startup parameters, and (the second wall) what the
/// server reports in `ParameterStatus`.
public protocol StatementGate: Sendable {
    func judge(sql: String, user: ClientUser, mode: PoolMode) -> GateDecision
    func judgeFunctionCall(user: ClientUser, mode: PoolMode) -> GateDecision
    func judgeStartupParameter(name: String, value: String, user: ClientUser, mode: PoolMode) -> GateDecision
    /// A `ParameterStatus` the server sent on this client's connection.
    func judgeParameterStatus(name: String, value: String, user: ClientUser) -> GateDecision
}

public enum GateDecision: Sendable, Equatable {
    case forward
    /// Forward; the text changes session state (SET, RESET, set_config,
    /// DISCARD): transaction pooling must record the client's settings after
    /// it. `clearsStatements`: DISCARD ALL / DEALLOCATE ALL drop prepared statements.
    case forwardChangingSession(clearsStatements: Bool)
    /// Refuse with this error (severity ERROR; the caller makes it FATAL at startup).
    case deny(ErrorFields, reason: String)
}

/// Forwards everything: the "policy off" switch that benchmarks compare against.
public struct AllowAllGate: StatementGate {
    public init() {}
    public func judge(sql: String, user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
    public func judgeFunctionCall(user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
    public func judgeStartupParameter(name: String, value: String, user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
    public func judgeParameterStatus(name: String, value: String, user: ClientUser) -> GateDecision { .forward }
}
