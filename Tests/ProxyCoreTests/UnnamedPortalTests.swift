import Testing

@testable import ProxyCore

/// What lets an `Execute` or `Describe` of the unnamed portal reach the server
/// (against PostgreSQL, and the crash it prevents: test_unnamed_statements.py).
@Suite struct UnnamedPortalTests {
    @Test func nothingUntilABind() {
        let portal = UnnamedPortal()
        #expect(!portal.mayUse(inBatch: 0))
        #expect(!portal.waits(inBatch: 0))
    }

    @Test func aBindInTheSameBatchIsEnough() {
        var portal = UnnamedPortal()
        _ = portal.bindSent(batch: 3)
        #expect(portal.mayUse(inBatch: 3))
        // A later batch waits for its answer.
        #expect(!portal.mayUse(inBatch: 4))
        #expect(portal.waits(inBatch: 4))
    }

    @Test func anAnsweredBindLastsUntilTheNextSimpleQuery() {
        var portal = UnnamedPortal()
        let ticket = portal.bindSent(batch: 0)
        portal.answered(ticket: ticket, bound: true)
        #expect(portal.mayUse(inBatch: 7))
        #expect(!portal.waits(inBatch: 7))
        portal.simpleQuery()
        #expect(!portal.mayUse(inBatch: 7))
    }

    @Test func aFailedBindLeavesNone() {
        var portal = UnnamedPortal()
        portal.answered(ticket: portal.bindSent(batch: 0), bound: true)
        portal.answered(ticket: portal.bindSent(batch: 1), bound: false)
        #expect(!portal.mayUse(inBatch: 2))
    }

    /// A Bind answered after a simple Query sent behind it: the Query's portal replaced it.
    @Test func anAnswerFromBeforeTheLastSimpleQueryIsStale() {
        var portal = UnnamedPortal()
        let ticket = portal.bindSent(batch: 0)
        portal.simpleQuery()
        portal.answered(ticket: ticket, bound: true)
        #expect(!portal.mayUse(inBatch: 1))
    }

    /// Pipelined: the answer to an earlier batch's Bind (here skipped after an
    /// error) arrives after a later batch bound the portal again; that later
    /// Bind still lets its own batch use the portal (seed 73 of the differential test).
    @Test func anEarlierBindsAnswerDoesNotCancelALaterBind() {
        var portal = UnnamedPortal()
        let first = portal.bindSent(batch: 1)
        let second = portal.bindSent(batch: 2)
        portal.answered(ticket: first, bound: false)
        #expect(portal.mayUse(inBatch: 2))
        #expect(portal.waits(inBatch: 3))
        portal.answered(ticket: second, bound: true)
        #expect(portal.mayUse(inBatch: 3) && !portal.waits(inBatch: 3))
    }

    @Test func anEarlierBindsSuccessLastsOnlyUntilTheLaterOneFails() {
        var portal = UnnamedPortal()
        let first = portal.bindSent(batch: 1)
        let second = portal.bindSent(batch: 2)
        portal.answered(ticket: first, bound: true)
        #expect(portal.waits(inBatch: 3))
        portal.answered(ticket: second, bound: false)
        #expect(!portal.mayUse(inBatch: 3))
    }
}
