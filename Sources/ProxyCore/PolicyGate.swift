import Logging
import Metrics
import PGWire
import SQLPolicy
import SluiceModel

/// The statement policy (SQLPolicy) as the proxy's gate: judges with the
/// parser through a bounded verdict cache, logs and counts every denial.
public struct PolicyGate: StatementGate {
    private let cache: VerdictCache
    private let logger: Logger
    private let policies: [PolicyContext: StatementPolicy]
    private let cacheHits = Counter(label: "sluice_policy_cache_hits_total")
    private let cacheMisses = Counter(label: "sluice_policy_cache_misses_total")
    /// Verdicts by reason (`allow` or the denial reason), created once: the hot path only increments.
    private let verdicts: [String: Counter]

    public init(cacheCapacity: Int = 10_000, logger: Logger) {
        self.cache = VerdictCache(capacity: cacheCapacity)
        self.logger = logger
        var policies: [PolicyContext: StatementPolicy] = [:]
        for role in RoleKind.allCases {
            for mode in PoolMode.allCases {
                let context = PolicyContext(role: role, mode: mode, surface: .wire)
                policies[context] = StatementPolicy(context: context)
            }
            let tool = PolicyContext(role: role, mode: .transaction, surface: .tool)
            policies[tool] = StatementPolicy(context: tool)
        }
        self.policies = policies
        var verdicts: [String: Counter] = [:]
        for reason in ["allow"] + DenialReason.allCases.map(\.rawValue) {
            verdicts[reason] = Counter(label: "sluice_policy_verdicts_total", dimensions: [("reason", reason)])
        }
        self.verdicts = verdicts
    }

    private func policy(_ user: ClientUser, _ mode: PoolMode, surface: PolicyContext.Surface = .wire) -> StatementPolicy {
        let context = PolicyContext(role: user.role, mode: mode, surface: surface)
        return policies[context] ?? StatementPolicy(context: context)
    }

    public func judge(sql: String, user: ClientUser, mode: PoolMode) -> GateDecision {
        judge(sql: sql, user: user, policy: policy(user, mode))
    }

    /// The agent tool's surface: one statement, no session or transaction
    /// control, judged as under transaction pooling (the executor runs it on
    /// a pooled connection in its own transaction).
    public func judgeTool(sql: String, user: ClientUser) -> GateDecision {
        judge(sql: sql, user: user, policy: policy(user, .transaction, surface: .tool))
    }

    private func judge(sql: String, user: ClientUser, policy: StatementPolicy) -> GateDecision {
        let (judgement, hit) = cache.judge(sql, policy: policy)
        if hit { cacheHits.increment() } else { cacheMisses.increment() }
        guard case .deny(let denial) = judgement.verdict else {
            verdicts["allow"]?.increment()
            var changes = false
            var clears = false
            var custom: [String] = []
            var resets = false
            for statement in judgement.statements {
                // Any SET (SESSION CHARACTERISTICS included) or effectful function:
                // the exact settings are read back from the server afterwards.
                if statement.changesSession { changes = true }
                if statement.sessionEffect == .discardAll || statement.kind == "DeallocateStmt" { clears = true }
                switch statement.sessionEffect {
                case .reset, .resetAll, .discardAll: resets = true
                case .set, nil: break
                }
                for name in statement.settingNames where name.contains(".") && !custom.contains(name) { custom.append(name) }
            }
            return changes || clears ? .forwardChangingSession(clearsStatements: clears, customSettings: custom, resetsSettings: resets) : .forward
        }
        if policy.context.surface == .wire, policy.context.mode == .transaction,
           judgement.statements.count == 1, let name = judgement.statements[0].deallocateName {
            // Counted when the proxy refuses it (the name is not a protocol-level statement).
            return .deallocate(name: name, denial: Self.fields(denial, severity: "ERROR"))
        }
        record(denial, user: user, fingerprint: StatementPolicy.fingerprint(sql))
        return .deny(Self.fields(denial, severity: "ERROR"), reason: denial.reason.rawValue)
    }

    public func judgeFunctionCall(user: ClientUser, mode: PoolMode) -> GateDecision {
        record(.write, user: user, fingerprint: "FunctionCall")
        return .deny(Self.fields(.write, severity: "ERROR"), reason: DenialReason.write.rawValue)
    }

    public func judgeStartupParameter(name: String, value: String, user: ClientUser, mode: PoolMode) -> GateDecision {
        guard case .deny(let denial) = policy(user, mode).judgeStartupSetting(name: name, value: value) else { return .forward }
        record(denial, user: user, fingerprint: "startup:\(name)")
        return .deny(Self.fields(denial, severity: "FATAL"), reason: denial.reason.rawValue)
    }

    public func judgeParameterStatus(name: String, value: String, user: ClientUser) -> GateDecision {
        guard user.role == .customer else { return .forward }
        let lowered = name.lowercased()
        guard lowered == "client_encoding" || lowered == "standard_conforming_strings" else { return .forward }
        guard SettingRules.judge(name: lowered, value: .literal(value)) != nil else { return .forward }
        record(.other, user: user, fingerprint: "ParameterStatus:\(lowered)")
        return .deny(Self.fields(.other, severity: "FATAL"), reason: DenialReason.other.rawValue)
    }

    private func record(_ denial: Denial, user: ClientUser, fingerprint: String) {
        verdicts[denial.reason.rawValue]?.increment()
        Counter(label: "sluice_policy_denials_total", dimensions: [
            ("workspace", user.workspace.rawValue), ("reason", denial.reason.rawValue),
        ]).increment()
        logger.notice("statement denied", metadata: [
            "workspace": "\(user.workspace)", "role": "\(user.role.rawValue)",
            "reason": "\(denial.reason.rawValue)", "fingerprint": "\(fingerprint)",
        ])
    }

    static func fields(_ denial: Denial, severity: String) -> ErrorFields {
        .make(severity: severity, sqlState: denial.sqlState, message: denial.message, hint: denial.hint, position: denial.position)
    }
}
