import SQLPolicy
import SluiceModel
import Testing

/// Properties that hold for every text of the acceptance table in every context.
@Suite("Policy properties")
struct PolicyPropertyTests {
    static let contexts: [PolicyContext] = RoleKind.allCases.flatMap { role in
        PoolMode.allCases.flatMap { mode in
            [PolicyContext.Surface.wire, .tool].map { PolicyContext(role: role, mode: mode, surface: $0) }
        }
    }

    /// Every distinct text of the table.
    static let texts: [String] = {
        var seen = Set<String>()
        return allCases.map(\.sql).filter { seen.insert($0).inserted }
    }()

    @Test func everyDenialCarriesTheContractTextsOfItsReason() {
        for context in Self.contexts {
            let policy = StatementPolicy(context: context)
            for sql in Self.texts {
                let judgement = policy.judge(sql)
                for denial in judgement.statements.compactMap(\.verdict.denial) + [judgement.verdict.denial].compactMap({ $0 }) {
                    if let canonical = contractDenial(for: denial.reason) {
                        #expect(denial.sqlState == canonical.sqlState, "\(context) \(sql.debugDescription)")
                        #expect(denial.message == canonical.message, "\(context) \(sql.debugDescription)")
                        #expect(denial.hint == canonical.hint, "\(context) \(sql.debugDescription)")
                    } else {
                        #expect(denial.sqlState == "42601", "\(context) \(sql.debugDescription)")
                        #expect(denial.hint == nil, "\(context) \(sql.debugDescription)")
                        #expect(!denial.message.isEmpty, "\(context) \(sql.debugDescription)")
                    }
                }
            }
        }
    }

    @Test func judgingIsDeterministic() {
        for context in Self.contexts {
            let policy = StatementPolicy(context: context)
            for sql in Self.texts {
                let first = policy.judge(sql)
                #expect(policy.judge(sql) == first, "\(context) \(sql.debugDescription)")
                #expect(StatementPolicy(context: context).judge(sql) == first, "\(context) \(sql.debugDescription)")
            }
        }
    }

    @Test func theVerdictIsTheFirstDeniedStatementsDenial() {
        for context in Self.contexts {
            let policy = StatementPolicy(context: context)
            for sql in Self.texts {
                let judgement = policy.judge(sql)
                let firstDenial = judgement.statements.lazy.compactMap(\.verdict.denial).first
                if let firstDenial {
                    #expect(judgement.verdict == .deny(firstDenial), "\(context) \(sql.debugDescription)")
                } else if judgement.verdict.denial?.reason != .syntax, judgement.verdict != .deny(.multipleStatements) {
                    #expect(judgement.verdict == .allow, "\(context) \(sql.debugDescription)")
                }
            }
        }
    }

    @Test func statementLocationsAreByteOffsetsInOrder() {
        let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .session))
        for sql in Self.texts {
            let locations = policy.judge(sql).statements.map(\.location)
            #expect(locations == locations.sorted(), "\(sql.debugDescription)")
            #expect(locations.allSatisfy { $0 >= 0 && $0 < max(sql.utf8.count, 1) }, "\(sql.debugDescription)")
        }
    }

    @Test func twoStatementsHaveTheirOwnLocations() {
        let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .session))
        let plain = policy.judge("SELECT 1; SELECT 2").statements
        #expect(plain.map(\.kind) == ["SelectStmt", "SelectStmt"])
        #expect(plain.first?.location == 0)
        // The parser's statement starts right after the `;` (9); its first token at 10.
        #expect(plain.count == 2 && (9...10).contains(plain[1].location))

        // `é` is two bytes: the second statement starts at byte 12 (or 13), not at character 11.
        let accented = policy.judge("SELECT 'é'; SELECT 2").statements
        #expect(accented.count == 2 && (12...13).contains(accented[1].location))
    }

    @Test func transactionPoolingNeverAllowsWhatSessionPoolingDenies() {
        for role in RoleKind.allCases {
            for surface in [PolicyContext.Surface.wire, .tool] {
                let session = StatementPolicy(context: PolicyContext(role: role, mode: .session, surface: surface))
                let transaction = StatementPolicy(context: PolicyContext(role: role, mode: .transaction, surface: surface))
                for sql in Self.texts where transaction.judge(sql).verdict.isAllowed {
                    #expect(session.judge(sql).verdict.isAllowed, "\(role) \(surface) \(sql.debugDescription)")
                }
            }
        }
    }

    @Test func theToolNeverAllowsWhatTheWireDenies() {
        for role in RoleKind.allCases {
            for mode in PoolMode.allCases {
                let wire = StatementPolicy(context: PolicyContext(role: role, mode: mode, surface: .wire))
                let tool = StatementPolicy(context: PolicyContext(role: role, mode: mode, surface: .tool))
                for sql in Self.texts where tool.judge(sql).verdict.isAllowed {
                    #expect(wire.judge(sql).verdict.isAllowed, "\(role) \(mode) \(sql.debugDescription)")
                }
            }
        }
    }

    @Test("the empty query and text without statements are allowed with zero statements", arguments: [
        "", " ", "\n\t\r\n", "-- comment", "/* comment */", "/* a /* nested */ comment */\n-- x\n", ";", " ; ;; ",
    ])
    func noStatements(_ sql: String) {
        for context in Self.contexts {
            let judgement = StatementPolicy(context: context).judge(sql)
            #expect(judgement.statements.isEmpty, "\(context)")
            #expect(judgement.verdict == .allow, "\(context)")
        }
    }

    @Test func theToolDeniesEveryTextOfSeveralStatements() {
        for role in RoleKind.allCases {
            for mode in PoolMode.allCases {
                let wire = StatementPolicy(context: PolicyContext(role: role, mode: mode, surface: .wire))
                let tool = StatementPolicy(context: PolicyContext(role: role, mode: mode, surface: .tool))
                for sql in Self.texts {
                    let onWire = wire.judge(sql)
                    guard onWire.verdict.denial?.reason != .syntax else { continue }
                    if onWire.statements.count > 1 {
                        #expect(tool.judge(sql).verdict == .deny(.multipleStatements), "\(role) \(mode) \(sql.debugDescription)")
                    }
                    #expect(onWire.verdict != .deny(.multipleStatements), "only the tool answers this: \(sql.debugDescription)")
                }
            }
        }
    }

    /// A statement's verdict does not depend on its neighbours: putting an allowed
    /// `SELECT 1` before or after a text adds one allowed statement and changes nothing else.
    @Test func neighboursDoNotChangeAVerdict() {
        for role in RoleKind.allCases {
            for mode in PoolMode.allCases {
                let policy = StatementPolicy(context: PolicyContext(role: role, mode: mode))
                for sql in Self.texts {
                    let alone = policy.judge(sql)
                    guard alone.verdict.denial?.reason != .syntax else { continue }
                    for (combined, offset) in [("SELECT 1;\n" + sql, 1), (sql + "\n;SELECT 1", 0)] {
                        let judgement = policy.judge(combined)
                        #expect(judgement.statements.count == alone.statements.count + 1, "\(combined.debugDescription)")
                        #expect(judgement.verdict.denial?.reason == alone.verdict.denial?.reason, "\(combined.debugDescription)")
                        let inner = judgement.statements.dropFirst(offset).prefix(alone.statements.count)
                        #expect(
                            inner.map(\.verdict.denial?.reason) == alone.statements.map(\.verdict.denial?.reason),
                            "\(combined.debugDescription)"
                        )
                        #expect(inner.map(\.sessionEffect) == alone.statements.map(\.sessionEffect), "\(combined.debugDescription)")
                    }
                }
            }
        }
    }
}
