import Testing

@testable import SluicePool

@Suite("Leasing")
struct PoolLeaseTests {
    @Test func leaseFromEmptyCreatesThenLeasesOnEstablish() {
        var pool = CheckedPool(.test())
        #expect(pool { $0.leaseRequested("a", now: t(0)) } == [.createConnection, .scheduleTimer(at: t(30))])
        #expect(pool.machine.waiterCount == 1)
        #expect(pool.machine.pendingCreates == 1)
        #expect(pool { $0.connectionEstablished(1, now: t(1)) } == [.lease(1, to: "a", healthCheck: false)])
        #expect(pool.machine.leasedCount == 1)
        #expect(pool.machine.waiterCount == 0)
        #expect(pool.machine.pendingCreates == 0)
        #expect(pool.machine.totalConnections == 1)
    }

    @Test func releasedConnectionGoesIdleAndIsReusedWithoutCreating() {
        var pool = CheckedPool(.test())
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.released(1, reusable: true, now: t(1)) } == [])
        #expect(pool.machine.idleCount == 1)
        #expect(pool { $0.leaseRequested("b", now: t(2)) } == [.lease(1, to: "b", healthCheck: false)])
        #expect(pool.machine.idleCount == 0)
    }

    @Test func idleConnectionsAreReusedMostRecentlyUsedFirst() {
        var pool = CheckedPool(.test(max: 3))
        pool.leaseNew(1, to: "a", at: t(0))
        pool.leaseNew(2, to: "b", at: t(0))
        pool.leaseNew(3, to: "c", at: t(0))
        _ = pool { $0.released(2, reusable: true, now: t(1)) }
        _ = pool { $0.released(3, reusable: true, now: t(2)) }
        _ = pool { $0.released(1, reusable: true, now: t(3)) }
        #expect(pool { $0.leaseRequested("d", now: t(4)) } == [.lease(1, to: "d", healthCheck: false)])
        #expect(pool { $0.leaseRequested("e", now: t(4)) } == [.lease(3, to: "e", healthCheck: false)])
        #expect(pool { $0.leaseRequested("f", now: t(4)) } == [.lease(2, to: "f", healthCheck: false)])
    }

    @Test func maxConnectionsIsRespectedAndWaitersAreServedFIFO() {
        var pool = CheckedPool(.test(max: 2))
        #expect(pool { $0.leaseRequested("a", now: t(0)) }.withoutTimers == [.createConnection])
        #expect(pool { $0.leaseRequested("b", now: t(1)) }.withoutTimers == [.createConnection])
        #expect(pool { $0.leaseRequested("c", now: t(2)) }.withoutTimers == [])
        #expect(pool { $0.leaseRequested("d", now: t(3)) }.withoutTimers == [])
        #expect(pool.machine.totalConnections == 2)
        #expect(pool.machine.waiterCount == 4)

        #expect(pool { $0.connectionEstablished(1, now: t(4)) } == [.lease(1, to: "a", healthCheck: false)])
        #expect(pool { $0.connectionEstablished(2, now: t(4)) } == [.lease(2, to: "b", healthCheck: false)])
        #expect(pool { $0.released(2, reusable: true, now: t(5)) } == [.lease(2, to: "c", healthCheck: false)])
        #expect(pool { $0.released(1, reusable: true, now: t(6)) } == [.lease(1, to: "d", healthCheck: false)])
        #expect(pool.machine.waiterCount == 0)
        #expect(pool.machine.idleCount == 0)
    }

    @Test func releaseHandsConnectionToOldestWaiterRatherThanIdle() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        _ = pool { $0.leaseRequested("c", now: t(2)) }
        #expect(pool { $0.released(1, reusable: true, now: t(3)) } == [.lease(1, to: "b", healthCheck: false)])
        #expect(pool.machine.idleCount == 0)
        #expect(pool.machine.waiterCount == 1)
    }

    @Test func cancelledWaiterIsSkipped() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        _ = pool { $0.leaseRequested("c", now: t(2)) }
        #expect(pool { $0.cancelRequest("b") } == [])
        #expect(pool.machine.waiterCount == 1)
        #expect(pool { $0.released(1, reusable: true, now: t(3)) } == [.lease(1, to: "c", healthCheck: false)])
        #expect(pool { $0.cancelRequest("b") } == [])
        #expect(pool { $0.cancelRequest("nobody") } == [])
    }

    @Test func cancelledWaitersCreationStillServesTheNextOrGoesIdle() {
        var pool = CheckedPool(.test(max: 2))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.cancelRequest("a") }
        #expect(pool.machine.pendingCreates == 1)
        #expect(pool { $0.connectionEstablished(1, now: t(1)) } == [])
        #expect(pool.machine.idleCount == 1)
    }

    @Test func duplicateQueuedRequestIsIgnored() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        #expect(pool { $0.leaseRequested("b", now: t(2)) } == [])
        #expect(pool.machine.waiterCount == 1)
    }

    @Test func duplicateRequestDuringItsHealthCheckIsIgnored() {
        var pool = CheckedPool(.test(max: 1, healthCheck: .zero))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        #expect(pool { $0.leaseRequested("b", now: t(2)) } == [.lease(1, to: "b", healthCheck: true)])
        #expect(pool { $0.leaseRequested("b", now: t(3)) } == [])
        #expect(pool.machine.waiterCount == 0)
    }

    @Test func queueFullFailsImmediately() {
        var pool = CheckedPool(.test(max: 1, maxWaiters: 2))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.leaseRequested("b", now: t(0)) }
        #expect(pool { $0.leaseRequested("c", now: t(0)) } == [.failRequest("c", .queueFull)])
        #expect(pool.machine.waiterCount == 2)
        // Room again once a waiter is served.
        _ = pool { $0.connectionEstablished(1, now: t(1)) }
        #expect(pool { $0.leaseRequested("d", now: t(2)) }.withoutTimers == [])
        #expect(pool.machine.waiterCount == 2)
    }

    @Test func zeroMaxWaitersOnlyServesFromIdle() {
        var pool = CheckedPool(.test(max: 1, maxWaiters: 0))
        #expect(pool { $0.leaseRequested("a", now: t(0)) } == [.failRequest("a", .queueFull)])
        #expect(pool.machine.totalConnections == 0)
    }

    @Test func nonReusableReleaseClosesAndCreatesForWaiter() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        #expect(pool { $0.released(1, reusable: false, now: t(2)) } == [.closeConnection(1), .createConnection])
        #expect(pool { $0.connectionEstablished(2, now: t(3)) } == [.lease(2, to: "b", healthCheck: false)])
    }

    @Test func nonReusableReleaseWithoutWaitersJustCloses() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.released(1, reusable: false, now: t(2)) } == [.closeConnection(1)])
        #expect(pool.machine.totalConnections == 0)
    }

    @Test func unknownAndRepeatedReleasesAreIgnored() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.released(1, reusable: true, now: t(1)) } == [])
        #expect(pool { $0.released(1, reusable: true, now: t(1)) } == [])
        #expect(pool { $0.released(99, reusable: false, now: t(1)) } == [])
        #expect(pool.machine.idleCount == 1)
    }

    @Test func unsolicitedEstablishmentIsClosedNotAdopted() {
        var pool = CheckedPool(.test(max: 1))
        #expect(pool { $0.connectionEstablished(7, now: t(0)) } == [.closeConnection(7)])
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.connectionEstablished(1, now: t(0)) } == [])
        #expect(pool.machine.totalConnections == 1)
    }

    @Test func eachWaiterGetsItsOwnCreationUpToTheLimit() {
        var pool = CheckedPool(.test(max: 3))
        for (index, request) in ["a", "b", "c", "d", "e"].enumerated() {
            let expected: [Action] = index < 3 ? [.createConnection] : []
            #expect(pool { $0.leaseRequested(request, now: t(0)) }.withoutTimers == expected)
        }
        #expect(pool.machine.pendingCreates == 3)
    }
}
