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
    /// One statement of an agent tool (`query_customer_db`, data queries),
    /// run by `ProxyServer.execute` on a pooled connection in its own
    /// implicit transaction: no session or transaction control.
    func judgeTool(sql: String, user: ClientUser) -> GateDecision
}

public enum GateDecision: Sendable, Equatable {
    case forward
    /// Forward; the text changes session state (SET, RESET, set_config,
    /// DISCARD): transaction pooling must record the client's settings after
    /// it. `clearsStatements`: DISCARD ALL / DEALLOCATE ALL drop prepared statements.
    /// `customSettings`: the custom (two-part, `myapp.x`) settings it may set
    /// or reset for the session, which `pg_settings` does not list.
    /// `resetsSettings`: it may take a setting back to its default (`RESET`,
    /// `SET ... TO DEFAULT`, `DISCARD ALL`), which for a startup setting the
    /// proxy applied with `set_config` is the server's default, not the
    /// startup value (see `ClientSessionSettings.takeReadback`).
    case forwardChangingSession(clearsStatements: Bool, customSettings: [String], resetsSettings: Bool)
    /// Refuse with this error (severity ERROR; the caller makes it FATAL at startup).
    case deny(ErrorFields, reason: String)
    /// `DEALLOCATE name` in transaction pooling (the whole text): answer it
    /// in the proxy when `name` is one of the client's protocol-level
    /// statements, else refuse with `denial`.
    case deallocate(name: String, denial: ErrorFields)
}

/// Forwards everything: the "policy off" switch that benchmarks compare against.
///
/// Without the parser it cannot tell which statements change session
/// settings, so for transaction pooling it over-approximates: any text that
/// mentions set/reset/discard (case-insensitively) makes the proxy read the
/// settings back afterwards. This decides nothing about what is allowed; a
/// false positive costs one round trip, a false negative is impossible for
/// SET, RESET, set_config and DISCARD.
public struct AllowAllGate: StatementGate {
    public init() {}
    public func judge(sql: String, user: ClientUser, mode: PoolMode) -> GateDecision {
        guard mode == .transaction else { return .forward }
        let lowered = sql.lowercased()
        if lowered.contains("set") || lowered.contains("discard") || lowered.contains("deallocate") {
            return .forwardChangingSession(clearsStatements: lowered.contains("discard") || lowered.contains("deallocate"), customSettings: [],
                                           resetsSettings: lowered.contains("reset") || lowered.contains("default") || lowered.contains("discard"))
        }
        return .forward
    }
    public func judgeFunctionCall(user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
    public func judgeStartupParameter(name: String, value: String, user: ClientUser, mode: PoolMode) -> GateDecision { .forward }
    public func judgeParameterStatus(name: String, value: String, user: ClientUser) -> GateDecision { .forward }
    public func judgeTool(sql: String, user: ClientUser) -> GateDecision { .forward }
}
