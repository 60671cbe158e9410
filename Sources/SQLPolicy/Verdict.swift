/// The decision on one statement (policy.md, "Verdicts").
public enum Verdict: Sendable, Equatable {
    case allow
    case deny(Denial)

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    public var denial: Denial? {
        if case .deny(let denial) = self { return denial }
        return nil
    }
}

/// Why a statement is refused, and the exact answer the contract gives for it.
/// Declared in policy.md's order of precedence (the reason reported is the
/// first that applies): callers rank reasons by `allCases`.
public enum DenialReason: String, Sendable, Hashable, CaseIterable {
    case syntax
    case searchPath = "search_path"
    case write
    case other
}

/// A refusal with the contract's SQLSTATE, message and hint (policy.md, "Answers").
public struct Denial: Sendable, Equatable, Error {
    public var reason: DenialReason
    public var sqlState: String
    public var message: String
    public var hint: String?
    /// 1-based character position in the query text, when known (syntax errors).
    public var position: Int?

    public init(reason: DenialReason, sqlState: String, message: String, hint: String?, position: Int? = nil) {
        self.reason = reason
        self.sqlState = sqlState
        self.message = message
        self.hint = hint
        self.position = position
    }

    public static let write = Denial(
        reason: .write, sqlState: "42501",
        message: "Customer DB writes are only allowed for schema-qualified storage tables.",
        hint: "Rewrite the statement to target storage.<table> exactly."
    )

    public static let other = Denial(
        reason: .other, sqlState: "42501",
        message: "Only read statements or schema-qualified storage tables are supported.",
        hint: "Rewrite the statement to target storage.<table> exactly, or make the query read-only."
    )

    public static let searchPath = Denial(
        reason: .searchPath, sqlState: "42501",
        message: "SET search_path is not supported; schema-qualify table names instead.",
        hint: "Write dl_resolved.people or storage.<table>, not an unqualified name."
    )

    /// The agent tool and data queries accept one statement per request.
    public static let multipleStatements = Denial(
        reason: .syntax, sqlState: "42601",
        message: "query_customer_db accepts a single SQL statement.", hint: nil
    )

    public static func syntax(message: String, position: Int?) -> Denial {
        Denial(reason: .syntax, sqlState: "42601", message: message, hint: nil, position: position)
    }
}
