import SQLPolicy
import SluiceModel
import Testing

/// Issue 3's acceptance table: every row of `Cases/` is judged by the parser-backed
/// `StatementPolicy` and must get the verdict, reason and texts `policy.md` gives.
@Suite("Acceptance table (policy.md)")
struct AcceptanceTableTests {
    @Test func theTableHasAtLeastFourHundredRows() {
        #expect(allCases.count >= 400)
    }

    @Test func everyRowIsWellFormed() {
        for row in allCases {
            if case .deny(let reason) = row.expected {
                #expect(reason != .syntax, "use .syntax(message, at:) for \(row.testDescription)")
            }
            #expect(!row.why.isEmpty, "every row quotes the contract: \(row.testDescription)")
        }
    }

    @Test("each row gets the contract's verdict", arguments: allCases)
    func verdict(_ row: Case) {
        let judgement = StatementPolicy(context: row.context).judge(row.sql)
        let verdict = judgement.verdict
        switch row.expected {
        case .allow:
            #expect(verdict == .allow, "expected allow, got \(verdict); \(row.why)")
            let denied = judgement.statements.filter { !$0.verdict.isAllowed }
            #expect(denied.isEmpty, "every statement of an allowed text is allowed: \(denied)")
        case .deny(let reason):
            guard let denial = verdict.denial else {
                Issue.record("expected deny(\(reason.rawValue)), got allow; \(row.why)")
                return
            }
            #expect(denial.reason == reason, "expected deny(\(reason.rawValue)), got deny(\(denial.reason.rawValue)); \(row.why)")
            if let canonical = contractDenial(for: denial.reason) {
                expectContractTexts(denial, canonical)
            }
        case .syntax(let message, let position):
            guard let denial = verdict.denial else {
                Issue.record("expected a syntax denial, got allow; \(row.why)")
                return
            }
            #expect(denial.reason == .syntax, "expected deny(syntax), got deny(\(denial.reason.rawValue))")
            #expect(denial.sqlState == "42601")
            #expect(denial.message == message)
            #expect(denial.hint == nil)
            #expect(denial.position == position)
        case .multipleStatements:
            #expect(verdict.denial == Denial.multipleStatements, "expected the single-statement denial, got \(verdict)")
        }
    }

    @Test("each row holds the parser's statements", arguments: allCases.filter { $0.expectedStatementCount != nil || $0.kinds != nil })
    func statements(_ row: Case) {
        let judgement = StatementPolicy(context: row.context).judge(row.sql)
        if let count = row.expectedStatementCount {
            #expect(judgement.statements.count == count, "\(judgement.statements.map(\.kind))")
        }
        if let kinds = row.kinds {
            #expect(judgement.statements.map(\.kind) == kinds)
        }
    }

    @Test("each row has the contract's session effects", arguments: allCases.filter { $0.effects != nil })
    func sessionEffects(_ row: Case) {
        let judgement = StatementPolicy(context: row.context).judge(row.sql)
        #expect(judgement.statements.compactMap(\.sessionEffect) == row.effects)
    }

    private func expectContractTexts(_ denial: Denial, _ canonical: Denial) {
        #expect(denial.sqlState == canonical.sqlState)
        #expect(denial.message == canonical.message)
        #expect(denial.hint == canonical.hint)
    }
}
