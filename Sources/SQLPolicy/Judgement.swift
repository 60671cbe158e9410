/// The verdicts on every statement of one piece of SQL text (a simple
/// `Query` message, or the text of one `Parse`).
public struct Judgement: Sendable, Equatable {
    public var statements: [JudgedStatement]

    public init(statements: [JudgedStatement]) {
        self.statements = statements
    }

    /// The verdict on the text as a whole: the first denial, else allow.
    /// (A simple `Query` holding one denied statement is denied as a whole.)
    public var verdict: Verdict {
        for statement in statements {
            if case .deny = statement.verdict { return statement.verdict }
        }
        return .allow
    }
}

/// One statement of the text and what the policy decided for it.
public struct JudgedStatement: Sendable, Equatable {
    /// The parse tree's node name (`SelectStmt`, `VariableSetStmt`, ...).
    public var kind: String
    public var verdict: Verdict
    /// Byte offset of the statement in the text.
    public var location: Int
    /// What the statement does to session state, for transaction pooling.
    public var sessionEffect: SessionEffect?
    /// The statement may change session state in a way `sessionEffect` cannot
    /// describe (any SET, any `set_config`, DISCARD): read the settings back.
    public var changesSession: Bool
    /// The names (lower-cased) of the settings it may set or reset for the
    /// session, whatever their values: custom settings (`myapp.x`) are not in
    /// `pg_settings`, so transaction pooling reads them back by these names.
    public var settingNames: [String]
    /// It writes rows, row locks or schema objects (allowed or not): the
    /// agent tool asks for an `update` key for such statements.
    public var writes: Bool
    /// The verdict depended on the value of a constant (see `VerdictCache`).
    public var readsConstants: Bool
    /// The name of a `DEALLOCATE name` (not ALL). Transaction pooling denies
    /// it here; the proxy answers it itself when the name is one of the
    /// client's protocol-level statements (policy.md, "Pooling").
    public var deallocateName: String?

    public init(
        kind: String, verdict: Verdict, location: Int, sessionEffect: SessionEffect? = nil,
        changesSession: Bool = false, settingNames: [String] = [], writes: Bool = false,
        readsConstants: Bool = false, deallocateName: String? = nil
    ) {
        self.kind = kind
        self.verdict = verdict
        self.location = location
        self.sessionEffect = sessionEffect
        self.changesSession = changesSession || sessionEffect != nil
        self.settingNames = settingNames
        self.writes = writes
        self.readsConstants = readsConstants
        self.deallocateName = deallocateName
    }
}

/// A session-level change the proxy must remember to replay on another
/// server connection (transaction pooling), or forget.
///
/// Values are the constants as the parser read them (unquoted; a list is
/// joined by ", "), names lower-cased as the server compares them.
public enum SessionEffect: Sendable, Equatable {
    case set(name: String, value: String)
    case reset(name: String)
    case resetAll
    case discardAll
}
