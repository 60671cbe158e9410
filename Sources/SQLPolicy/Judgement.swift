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

    public init(kind: String, verdict: Verdict, location: Int, sessionEffect: SessionEffect? = nil) {
        self.kind = kind
        self.verdict = verdict
        self.location = location
        self.sessionEffect = sessionEffect
    }
}

/// A session-level change the proxy must remember to replay on another
/// server connection (transaction pooling), or forget.
public enum SessionEffect: Sendable, Equatable {
    case set(name: String, value: String)
    case reset(name: String)
    case resetAll
    case discardAll
}
