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
        let epoch = portal.bindSent(batch: 0)
        portal.answered(epoch: epoch, bound: true)
        #expect(portal.mayUse(inBatch: 7))
        #expect(!portal.waits(inBatch: 7))
        portal.simpleQuery()
        #expect(!portal.mayUse(inBatch: 7))
    }

    @Test func aFailedBindLeavesNone() {
        var portal = UnnamedPortal()
        portal.answered(epoch: portal.bindSent(batch: 0), bound: true)
        portal.answered(epoch: portal.bindSent(batch: 1), bound: false)
        #expect(!portal.mayUse(inBatch: 2))
    }

    /// A Bind answered after a simple Query sent behind it: the Query's portal replaced it.
    @Test func anAnswerFromBeforeTheLastSimpleQueryIsStale() {
        var portal = UnnamedPortal()
        let epoch = portal.bindSent(batch: 0)
        portal.simpleQuery()
        portal.answered(epoch: epoch, bound: true)
        #expect(!portal.mayUse(inBatch: 1))
    }
}
