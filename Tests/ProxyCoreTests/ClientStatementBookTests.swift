import PGWire
import Testing

@testable import ProxyCore

/// A client's statements as the client sees them under transaction pooling,
/// checked against what PostgreSQL does for one session.
@Suite struct ClientStatementBookTests {
    static func parse(_ query: String, _ name: String = "") -> Parse {
        Parse(name: name, query: query, parameterTypes: [])
    }

    /// The unnamed statement's text that `target` binds, or the SQLSTATE of its error.
    static func bound(_ book: ClientStatementBook, _ name: String = "", batch: Int = 0) -> String {
        switch book.target(ofStatement: name, batch: batch) {
        case .missing(let error): return error.sqlState ?? "?"
        case .serverUnnamed: return book.unnamed?.parse.query ?? "?"
        case .shared(let statement, _): return statement.parse.query
        }
    }

    @Test func noUnnamedStatementUntilOneIsParsed() {
        var book = ClientStatementBook()
        #expect(Self.bound(book) == "26000")
        let sequence = book.parsedUnnamed(Self.parse("SELECT 1"), shared: nil, batch: 0)
        #expect(Self.bound(book) == "SELECT 1")
        book.unnamedAnswered(sequence)
        #expect(Self.bound(book) == "SELECT 1")
        _ = book.close("", batch: 0)
        #expect(Self.bound(book) == "26000")
    }

    @Test func aFailedParseLeavesNone() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT 'old'"), shared: nil, batch: 0))
        book.unnamedFailed(book.parsedUnnamed(Self.parse("SELECT nonsense("), shared: nil, batch: 1))
        #expect(Self.bound(book) == "26000")
    }

    @Test func aSkippedParseLeavesThePreviousOne() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT 'old'"), shared: nil, batch: 0))
        let skipped = book.parsedUnnamed(Self.parse("SELECT 'new'"), shared: nil, batch: 1)
        #expect(Self.bound(book) == "SELECT 'new'")
        let restored = book.unnamedSkipped(skipped)
        #expect(restored)
        #expect(Self.bound(book) == "SELECT 'old'")
    }

    /// Two Parses skipped in one batch: back to the last answered, not to the first skipped.
    @Test func skippedParsesInARowFallBackToTheLastAnswered() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT 4"), shared: nil, batch: 0))
        let five = book.parsedUnnamed(Self.parse("SELECT 5"), shared: nil, batch: 1)
        let six = book.parsedUnnamed(Self.parse("SELECT 6"), shared: nil, batch: 1)
        let fiveRestored = book.unnamedSkipped(five)
        #expect(!fiveRestored)  // a later Parse already replaced it
        #expect(Self.bound(book) == "SELECT 6")
        let sixRestored = book.unnamedSkipped(six)
        #expect(sixRestored)
        #expect(Self.bound(book) == "SELECT 4")
    }

    /// Answered, then a later one skipped: the answered one stays.
    @Test func aSkipAfterAnAnswerInOneBatchKeepsTheAnswered() {
        var book = ClientStatementBook()
        let five = book.parsedUnnamed(Self.parse("SELECT 5"), shared: nil, batch: 0)
        let six = book.parsedUnnamed(Self.parse("SELECT 6"), shared: nil, batch: 0)
        book.unnamedAnswered(five)
        let restored = book.unnamedSkipped(six)
        #expect(restored)
        #expect(Self.bound(book) == "SELECT 5")
    }

    @Test func namedStatementsAndTheirErrors() {
        var book = ClientStatementBook()
        guard case .missing(let error) = book.target(ofStatement: "s1", batch: 0) else {
            Issue.record("an unknown name resolved")
            return
        }
        #expect(error.sqlState == "26000")
        #expect(error.message == "prepared statement \"s1\" does not exist")
        book.add(ClientStatement(parse: Self.parse("SELECT 1", "s1")), as: "s1", batch: 0)
        #expect(book.has("s1"))
        #expect(Self.bound(book, "s1") == "SELECT 1")
        _ = book.close("s1", batch: 0)
        #expect(!book.has("s1"))
    }

    /// A shared unnamed statement knows whether the Bind is in the batch of its Parse.
    @Test func sharedUnnamedStatementKnowsItsBatch() {
        var book = ClientStatementBook()
        let shared = ClientStatement(parse: Self.parse("SELECT 1"))
        _ = book.parsedUnnamed(Self.parse("SELECT 1"), shared: shared, batch: 3)
        guard case .shared(let statement, let parsedInBatch) = book.target(ofStatement: "", batch: 3) else {
            Issue.record("not shared")
            return
        }
        #expect(statement.serverName == shared.serverName)
        #expect(parsedInBatch)
        guard case .shared(_, let later) = book.target(ofStatement: "", batch: 4) else { return }
        #expect(!later)
    }

    /// DISCARD ALL / DEALLOCATE ALL: only an Execute of a portal bound to one clears.
    @Test func clearingPortalsAreTrackedUntilRebound() {
        var book = ClientStatementBook()
        #expect(!book.inspectsExecute)
        var discard = ClientStatement(parse: Self.parse("DISCARD ALL", "d"))
        discard.clearsStatements = true
        book.add(discard, as: "d", batch: 0)
        book.add(ClientStatement(parse: Self.parse("SELECT 1", "s")), as: "s", batch: 0)
        let discardTarget = book.target(ofStatement: "d", batch: 0)
        let notDeallocating = book.bound(portal: "", to: discardTarget)
        #expect(notDeallocating == nil)
        #expect(book.inspectsExecute)
        #expect(book.executed(portal: "") == .forward(clearsStatements: true))
        #expect(book.executed(portal: "other") == .forward(clearsStatements: false))
        // The same portal bound to something else no longer clears.
        _ = book.bound(portal: "", to: book.target(ofStatement: "s", batch: 0))
        #expect(book.executed(portal: "") == .forward(clearsStatements: false))
        book.clearAll()
        #expect(!book.has("s") && !book.has("d"))
        #expect(Self.bound(book) == "26000")
    }

    /// `DEALLOCATE name`: answered by the proxy; a second Execute finds the name gone.
    @Test func deallocatingPortals() {
        var book = ClientStatementBook()
        book.add(ClientStatement(parse: Self.parse("SELECT 1", "s1")), as: "s1", batch: 0)
        var deallocate = ClientStatement(parse: Self.parse("DEALLOCATE s1", "d"))
        deallocate.deallocates = "s1"
        book.add(deallocate, as: "d", batch: 0)
        let target = book.target(ofStatement: "d", batch: 0)
        #expect(ClientStatementBook.deallocation(of: target) == "s1")
        let deallocated = book.bound(portal: "p", to: target)
        #expect(deallocated == "s1")
        #expect(book.deallocates(portal: "p"))
        #expect(book.executed(portal: "p") == .deallocate("s1"))
        book.remove("s1")
        #expect(book.executed(portal: "p") == .deallocateMissing("s1"))
        // Rebinding the portal to an ordinary statement ends it.
        book.add(ClientStatement(parse: Self.parse("SELECT 2", "s2")), as: "s2", batch: 0)
        let s2 = book.target(ofStatement: "s2", batch: 0)
        let rebound = book.bound(portal: "p", to: s2)
        #expect(rebound == nil)
        #expect(!book.deallocates(portal: "p"))
        #expect(!book.inspectsExecute)
    }

    /// Every input has a limit: statements one client may make the proxy keep.
    @Test func namedStatementsAreBoundedByCountAndBytes() {
        var book = ClientStatementBook()
        let small = Self.parse("SELECT 1", "a")
        #expect(book.fits(small, limit: 2, byteLimit: 100))
        book.add(ClientStatement(parse: small), as: "a", batch: 0)
        book.add(ClientStatement(parse: Self.parse("SELECT 2", "b")), as: "b", batch: 0)
        #expect(!book.fits(Self.parse("SELECT 3", "c"), limit: 2, byteLimit: 100))
        _ = book.close("a", batch: 0)
        #expect(book.fits(Self.parse("SELECT 3", "c"), limit: 2, byteLimit: 100))
        let big = Self.parse(String(repeating: "x", count: 95), "big")
        #expect(!book.fits(big, limit: 10, byteLimit: 100))
        book.clearAll()
        #expect(book.fits(big, limit: 10, byteLimit: 100))
    }

    // MARK: Pipelines: what an answer still to come decides

    /// A Parse of an earlier batch, not answered yet: a later batch's message
    /// naming the statement waits; one in the same batch does not (the server
    /// skips both after an error).
    @Test func aStatementParsedInAnEarlierBatchWaitsForItsAnswer() {
        var book = ClientStatementBook()
        #expect(book.nothingPending)
        let id = book.add(ClientStatement(parse: Self.parse("SELECT 1", "s1")), as: "s1", batch: 4)
        #expect(!book.nothingPending)
        #expect(!book.anyPending(before: 4) && book.anyPending(before: 5))
        #expect(!book.waits(onStatement: "s1", batch: 4))
        #expect(book.waits(onStatement: "s1", batch: 5))
        #expect(!book.waits(onStatement: "s2", batch: 5))
        book.parseFailed("s1", id: id)
        #expect(!book.has("s1"))
        #expect(!book.waits(onStatement: "s1", batch: 5))
        #expect(book.nothingPending)
    }

    /// The answer to one Parse never forgets a later statement of the same name.
    @Test func aFailedParseForgetsOnlyItsOwnStatement() {
        var book = ClientStatementBook()
        let first = book.add(ClientStatement(parse: Self.parse("SELECT 1", "s")), as: "s", batch: 0)
        _ = book.close("s", batch: 0)
        book.add(ClientStatement(parse: Self.parse("SELECT 2", "s")), as: "s", batch: 0)
        book.parseFailed("s", id: first)
        #expect(Self.bound(book, "s") == "SELECT 2")
    }

    /// A Close the server would have skipped (an earlier message of its batch
    /// failed) leaves the statement the client's.
    @Test func aSkippedCloseBringsTheStatementBack() {
        var book = ClientStatementBook()
        book.add(ClientStatement(parse: Self.parse("SELECT 1", "s")), as: "s", batch: 0)
        book.parseAnswered("s")
        let close = book.close("s", batch: 1)
        #expect(!book.has("s"))
        #expect(book.waits(onStatement: "s", batch: 2))
        book.closeSkipped(close)
        #expect(Self.bound(book, "s") == "SELECT 1")
        #expect(!book.waits(onStatement: "s", batch: 2))
        // Answered, it stays closed.
        let again = book.close("s", batch: 2)
        book.closeAnswered(again)
        #expect(!book.has("s"))
    }

    /// Parse, then Close of the same name, both skipped: nothing comes back.
    @Test func aSkippedCloseOfASkippedParseBringsNothingBack() {
        var book = ClientStatementBook()
        let id = book.add(ClientStatement(parse: Self.parse("BEGIN", "s3")), as: "s3", batch: 0)
        let close = book.close("s3", batch: 0)
        book.parseFailed("s3", id: id)
        book.closeSkipped(close)
        #expect(!book.has("s3"))
    }

    /// Close of the unnamed statement skipped: the previous one is back, unless
    /// an unnamed Parse of a later batch replaced it meanwhile.
    @Test func aSkippedCloseOfTheUnnamedStatement() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT 'old'"), shared: nil, batch: 0))
        let close = book.close("", batch: 1)
        #expect(Self.bound(book) == "26000")
        book.closeSkipped(close)
        #expect(Self.bound(book) == "SELECT 'old'")

        let closeAgain = book.close("", batch: 2)
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT 'later'"), shared: nil, batch: 3))
        book.closeSkipped(closeAgain)
        #expect(Self.bound(book) == "SELECT 'later'")
    }

    /// A simple Query drops the unnamed statement, as PostgreSQL does.
    @Test func aSimpleQueryDropsTheUnnamedStatement() {
        var book = ClientStatementBook()
        let sequence = book.parsedUnnamed(Self.parse("SELECT 1"), shared: nil, batch: 0)
        book.simpleQuery()
        book.unnamedAnswered(sequence)
        #expect(Self.bound(book) == "26000")
        #expect(book.nothingPending)
    }

    /// Parse and Close of the unnamed statement in one batch, the Parse answered:
    /// a Parse skipped later falls back to none, not to the closed one.
    @Test func anUnnamedStatementClosedAfterItsParseIsNotFallenBackTo() {
        var book = ClientStatementBook()
        let parsed = book.parsedUnnamed(Self.parse("SELECT 'closed'"), shared: nil, batch: 0)
        let close = book.close("", batch: 0)
        book.unnamedAnswered(parsed)
        book.closeAnswered(close)
        let skipped = book.parsedUnnamed(Self.parse("ROLLBACK"), shared: nil, batch: 1)
        _ = book.unnamedSkipped(skipped)
        #expect(Self.bound(book) == "26000")
    }

    /// The same, the Close skipped: the statement is back, and stays what a later
    /// skipped Parse falls back to.
    @Test func aSkippedCloseAfterAnAnsweredParseKeepsIt() {
        var book = ClientStatementBook()
        let parsed = book.parsedUnnamed(Self.parse("SELECT 'kept'"), shared: nil, batch: 0)
        let close = book.close("", batch: 0)
        book.unnamedAnswered(parsed)
        book.closeSkipped(close)
        #expect(Self.bound(book) == "SELECT 'kept'")
        _ = book.unnamedSkipped(book.parsedUnnamed(Self.parse("ROLLBACK"), shared: nil, batch: 1))
        #expect(Self.bound(book) == "SELECT 'kept'")
    }

    /// Close of the unnamed statement skipped, a Parse of a later batch skipped too:
    /// the statement from before the Close is the client's (as on the server).
    @Test func aSkippedCloseThenASkippedLaterParseFallBackToTheStatementBeforeTheClose() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("INSERT"), shared: nil, batch: 0))
        let close = book.close("", batch: 1)
        let later = book.parsedUnnamed(Self.parse("SELECT 'later'"), shared: nil, batch: 2)
        book.closeSkipped(close)
        #expect(Self.bound(book) == "SELECT 'later'")
        _ = book.unnamedSkipped(later)
        #expect(Self.bound(book) == "INSERT")
    }

    /// Two unnamed Parses, then a Close of the unnamed statement, both Parses
    /// answered: a Parse skipped after the Close falls back to none, not to the
    /// first Parse's statement (differential test, seed 224).
    @Test func aCloseAfterSeveralParsesIsNotFallenBehind() {
        var book = ClientStatementBook()
        let first = book.parsedUnnamed(Self.parse("SHOW TimeZone"), shared: nil, batch: 0)
        let second = book.parsedUnnamed(Self.parse("COMMIT"), shared: nil, batch: 0)
        let close = book.close("", batch: 0)
        let skipped = book.parsedUnnamed(Self.parse("SELECT 1"), shared: nil, batch: 0)
        book.unnamedAnswered(first)
        book.unnamedAnswered(second)
        book.closeAnswered(close)
        _ = book.unnamedSkipped(skipped)
        #expect(Self.bound(book) == "26000")
    }

    /// An unnamed Parse answered, a later one failed, then a skipped Close and a
    /// skipped Parse: the failure dropped the unnamed statement, so the skipped
    /// Close brings back none (differential test, seed 202).
    @Test func aSkippedCloseAfterAFailedParseBringsBackNone() {
        var book = ClientStatementBook()
        book.unnamedAnswered(book.parsedUnnamed(Self.parse("SELECT $1::int + 1"), shared: nil, batch: 0))
        let answered = book.parsedUnnamed(Self.parse("SELECT 1"), shared: nil, batch: 1)
        let failed = book.parsedUnnamed(Self.parse("SELECT * FROM missing"), shared: nil, batch: 1)
        let skipped = book.parsedUnnamed(Self.parse("ROLLBACK"), shared: nil, batch: 1)
        let close = book.close("", batch: 1)
        let skippedAfterClose = book.parsedUnnamed(Self.parse("SELECT * FROM missing"), shared: nil, batch: 1)
        book.unnamedAnswered(answered)
        book.unnamedFailed(failed)
        _ = book.unnamedSkipped(skipped)
        book.closeSkipped(close)
        _ = book.unnamedSkipped(skippedAfterClose)
        #expect(Self.bound(book) == "26000")
        #expect(book.nothingPending)
    }
}
