/// The statement policy of policy.md for one context. Judging parses the
/// text with the PostgreSQL parser (libpg_query) and walks the tree; nothing
/// else (no regular expression, no keyword search) decides what a statement is.
public struct StatementPolicy: Sendable {
    public let context: PolicyContext

    public init(context: PolicyContext) {
        self.context = context
    }

    public func judge(_ sql: String) -> Judgement {
        switch PGQueryParser.parse(sql) {
        case .syntaxError(let error):
            return Judgement(statements: [
                JudgedStatement(kind: "syntax", verdict: .deny(.syntax(message: error.message, position: error.position)), location: 0),
            ])
        case .tree(let tree):
            let raw = tree["stmts"]?.array ?? []
            var statements: [JudgedStatement] = []
            statements.reserveCapacity(raw.count)
            for rawStatement in raw {
                let location = rawStatement["stmt_location"]?.int ?? 0
                guard let node = rawStatement["stmt"], let (type, _) = node.node else {
                    statements.append(JudgedStatement(kind: "unknown", verdict: .deny(.other), location: location))
                    continue
                }
                var walker = PolicyWalker(context: context)
                walker.statement(node)
                statements.append(JudgedStatement(
                    kind: type, verdict: walker.findings.verdict, location: location,
                    sessionEffect: walker.findings.sessionEffect, changesSession: walker.findings.changesSession,
                    settingNames: walker.findings.settingNames, writes: walker.findings.writes, readsConstants: walker.findings.readsConstants,
                    deallocateName: walker.findings.deallocateName
                ))
            }
            if context.surface == .tool && statements.count > 1 {
                for index in statements.indices { statements[index].verdict = .deny(.multipleStatements) }
            }
            return Judgement(statements: statements)
        }
    }

    /// Judges a startup parameter as `SET name = value` (policy.md, "Startup parameters").
    public func judgeStartupSetting(name: String, value: String) -> Verdict {
        // `replication` is refused; `options` reaches here only when it held
        // a switch other than -c/--, which the contract denies.
        if ["replication", "options"].contains(name.lowercased()) { return .deny(.other) }
        guard let reason = SettingRules.judge(name: name, value: .literal(value)) else { return .allow }
        switch reason {
        case .searchPath: return .deny(.searchPath)
        case .write: return .deny(.write)
        case .other, .syntax: return .deny(.other)
        }
    }
}

extension StatementPolicy {
    /// A constant-free fingerprint of `sql` for logs (never the values).
    public static func fingerprint(_ sql: String) -> String {
        PGQueryParser.fingerprint(sql) ?? "unparsable"
    }
}
