@testable import SQLPolicy
import SluiceModel
import Testing

/// `StatementShape` (the verdict cache's fast key) against the PostgreSQL
/// scanner: texts it gives one shape must be one token sequence, constants
/// aside, for the server's own lexer too.
@Suite("Statement shapes")
struct StatementShapeTests {
    @Test func plainConstantsAreReplaced() {
        let a = StatementShape.key("SELECT abalance FROM pgbench_accounts WHERE aid = 17;")
        let b = StatementShape.key("SELECT abalance FROM pgbench_accounts WHERE aid = 90210;")
        #expect(a != nil && a == b)
        #expect(StatementShape.key("SELECT 'a', 1.5") == StatementShape.key("SELECT 'it''s', 22.75"))
        #expect(StatementShape.key("SELECT 1") != StatementShape.key("SELECT 1.5"))
        #expect(StatementShape.key("SELECT 1") != StatementShape.key("SELECT '1'"))
    }

    @Test func whatItDoesNotModelHasNoShape() {
        for text in [
            "SELECT E'a'", "SELECT U&'a'", "SELECT B'101'", "SELECT X'1F'", "SELECT N'a'", "SELECT $$a$$", "SELECT $1",
            "SELECT 1e5", "SELECT .5", "SELECT 1.", "SELECT 0x1F", "SELECT 1_000", "SELECT 9999999999", "SELECT 'a\\b'",
            "SELECT /* c */ 1", "SELECT 'é'", "SELECT \"é\"", "SELECT t.1", "SELECT 'open", "SELECT \"open",
        ] {
            #expect(StatementShape.key(text) == nil, "\(text)")
        }
    }

    @Test func identifiersCommentsAndOperatorsAreKept() {
        #expect(StatementShape.key("SELECT a1 FROM t") != StatementShape.key("SELECT a2 FROM t"))
        #expect(StatementShape.key("SELECT \"x'1'y\"") != StatementShape.key("SELECT \"x'2'y\""))
        #expect(StatementShape.key("SELECT 1 -- '1'\n") != StatementShape.key("SELECT 1 -- '2'\n"))
        #expect(StatementShape.key("SELECT a=-1") != StatementShape.key("SELECT a=+1"))
        #expect(StatementShape.key("SELECT 1 ") != StatementShape.key("SELECT 1"), "layout is kept")
    }

    /// Random texts from fragments chosen to collide: every group of texts
    /// with one fast shape has one shape for the PostgreSQL scanner.
    @Test func oneFastShapeIsOneScannerShape() {
        var random = SplitMix(seed: 20261121)
        let constants = [
            "1", "42", "007", "1.5", "0.25", "1e5", ".5", "1.", "99999999999", "'a'", "'it''s'", "''", "'--x'", "'/*'",
            "E'x'", "U&'x'", "B'1'", "X'1F'", "N'a'", "$$x$$", "$1", "'a' 'b'", "'a'\n'b'", "-1", "+2", "'\"'", "\"q'1'\"",
            "0x1F", "1_000", "'a\\'", "'é'",
        ]
        let frames = [
            "SELECT %", "SELECT a FROM t WHERE b = % AND c = %", "SELECT %::int", "SELECT x % FROM t", "SELECT %%",
            "INSERT INTO storage.t VALUES (%, %)", "SELECT a -- %\n, %", "SELECT \"%\"", "SELECT a=%", "SELECT a<%",
            "SELECT %.% FROM t", "SELECT f(%) -- c\n", "SELECT % /* % */", "SELECT ARRAY[%, %]", "SELECT %||%",
        ]
        var groups: [[UInt8]: [UInt8]?] = [:]
        var checked = 0
        for _ in 0..<20_000 {
            let frame = frames[random.next(frames.count)]
            var text = ""
            for character in frame {
                if character == "%" { text += constants[random.next(constants.count)] } else { text.append(character) }
            }
            guard let fast = StatementShape.key(text) else { continue }
            let scanner = PGQueryScanner.shape(text)
            if let existing = groups[fast] {
                #expect(existing == scanner, "fast shape shared by texts the scanner tells apart: \(text.debugDescription)")
                checked += 1
            } else {
                groups[fast] = scanner
            }
        }
        #expect(checked > 1_000)
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(bound))
    }
}

/// The oracle of `oneFastShapeIsOneScannerShape`: the same idea as
/// `StatementShape`, computed from the PostgreSQL scanner's tokens. A token
/// is its text up to the next token's start, less trailing whitespace
/// (libpg_query reports a short `end` for U&"..." and U&'...'); comments are
/// dropped; integers, decimals and plain strings become their token type.
extension PGQueryScanner {
    static func shape(_ sql: String) -> [UInt8]? {
        guard case .tokens(let tokens) = scan(sql) else { return nil }
        let text = Array(sql.utf8)
        let constants: Set<Int> = [260, 261, 266]  // FCONST, SCONST, ICONST
        let comments: Set<Int> = [275, 276]  // SQL_COMMENT, C_COMMENT
        var shape: [UInt8] = []
        for (index, token) in tokens.enumerated() {
            let next = index + 1 < tokens.count ? tokens[index + 1].start : text.count
            guard token.start >= 0, token.start <= next, next <= text.count else { return nil }
            var end = next
            while end > token.start, [0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B].contains(text[end - 1]) { end -= 1 }
            if comments.contains(token.kind) { continue }
            if constants.contains(token.kind) {
                shape += [0x01, UInt8(truncatingIfNeeded: token.kind)]
            } else {
                shape += text[token.start..<end]
            }
            shape.append(0x00)
        }
        return shape
    }
}
