import SQLPolicy
import SluiceModel
import Testing

/// One row of the acceptance table (issue 3): a piece of SQL text, the context
/// it is judged in, and what `policy.md` says the verdict is.
///
/// Every row is judged by the parser alone: the text is given to
/// `StatementPolicy.judge`, nothing else is consulted.
struct Case: Sendable, CustomTestStringConvertible {
    /// The verdict the contract gives.
    enum Expected: Sendable, Equatable {
        case allow
        /// A denial with the contract's texts for this reason (`write`, `other`, `searchPath`).
        case deny(DenialReason)
        /// The parser cannot parse the text: SQLSTATE 42601, the parser's message and position.
        case syntax(String, at: Int?)
        /// `query_customer_db` and data queries: more than one statement.
        case multipleStatements
    }

    var sql: String
    var expected: Expected
    var role: RoleKind
    var mode: PoolMode
    var surface: PolicyContext.Surface
    /// How many statements the judgement must hold (`nil`: 1 for a parsed text on the
    /// wire, unchecked otherwise).
    var statements: Int?
    /// The session effects of the text's statements, in order (`nil`: unchecked).
    var effects: [SessionEffect]?
    /// The parse tree node names of the text's statements (`nil`: unchecked).
    var kinds: [String]?
    /// The contract line the row comes from.
    var why: String

    init(
        _ sql: String,
        _ expected: Expected,
        role: RoleKind = .customer,
        mode: PoolMode = .session,
        surface: PolicyContext.Surface = .wire,
        statements: Int? = nil,
        effects: [SessionEffect]? = nil,
        kinds: [String]? = nil,
        why: String
    ) {
        self.sql = sql
        self.expected = expected
        self.role = role
        self.mode = mode
        self.surface = surface
        self.statements = statements
        self.effects = effects
        self.kinds = kinds
        self.why = why
    }

    var context: PolicyContext {
        PolicyContext(role: role, mode: mode, surface: surface)
    }

    /// The number of statements the judgement must hold, when the row fixes it.
    var expectedStatementCount: Int? {
        if let statements { return statements }
        switch expected {
        case .allow, .deny:
            return surface == .wire ? 1 : nil
        case .syntax, .multipleStatements:
            return nil
        }
    }

    var testDescription: String {
        var flags: [String] = []
        if role != .customer { flags.append(role.rawValue) }
        if mode != .session { flags.append(mode.rawValue) }
        if surface != .wire { flags.append(surface.rawValue) }
        let prefix = flags.isEmpty ? "" : "[\(flags.joined(separator: ","))] "
        return prefix + sql.debugDescription
    }
}

extension Case.Expected: CustomStringConvertible {
    var description: String {
        switch self {
        case .allow: "allow"
        case .deny(let reason): "deny(\(reason.rawValue))"
        case .syntax(let message, let position): "syntax(\(message.debugDescription), at: \(position.map(String.init) ?? "nil"))"
        case .multipleStatements: "deny(multiple statements)"
        }
    }
}

/// The denial the contract prescribes for a reason (policy.md, "Answers").
func contractDenial(for reason: DenialReason) -> Denial? {
    switch reason {
    case .write: Denial.write
    case .other: Denial.other
    case .searchPath: Denial.searchPath
    case .syntax: nil
    }
}

/// The whole acceptance table.
let allCases: [Case] =
    readCases
    + storageWriteCases
    + evasionCases
    + functionCases
    + sessionControlCases
    + poolingCases
    + runtimeRoleCases
    + toolSurfaceCases
    + startupFormCases
    + multiStatementCases
    + otherStatementCases
    + syntaxCases
