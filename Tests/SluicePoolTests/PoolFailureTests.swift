import Testing

@testable import SluicePool

@Suite("Failures")
struct PoolFailureTests {
    @Test func connectFailedFailsTheOldestWaiterAtOnce() {
        var pool = CheckedPool(.test(max: 1))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        #expect(pool { $0.connectionFailed(error: "refused", now: t(2)) } == [.failRequest("a", .connectFailed("refused"))])
        // No automatic retry against a failing upstream...
        #expect(pool.machine.pendingCreates == 0)
        #expect(pool.machine.waiterCount == 1)
        #expect(pool { $0.tick(now: t(3)) } == [])
        // ...until a new request arrives, which retries for everyone waiting.
        #expect(pool { $0.leaseRequested("c", now: t(4)) } == [.createConnection])
        #expect(pool { $0.connectionEstablished(1, now: t(5)) }.withoutTimers == [.lease(1, to: "b", healthCheck: false)])
    }

    @Test func connectFailedSparesWaitersStillCoveredByPendingCreations() {
        var pool = CheckedPool(.test(max: 3))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.leaseRequested("b", now: t(0)) }
        _ = pool { $0.leaseRequested("c", now: t(0)) }
        #expect(pool.machine.pendingCreates == 3)
        // A down upstream: every attempt fails, and so does every waiter, fast.
        #expect(pool { $0.connectionFailed(error: "x", now: t(1)) } == [.failRequest("a", .connectFailed("x"))])
        #expect(pool { $0.connectionFailed(error: "y", now: t(1)) } == [.failRequest("b", .connectFailed("y"))])
        #expect(pool { $0.connectionFailed(error: "z", now: t(1)) } == [.failRequest("c", .connectFailed("z"))])
        #expect(pool.machine.totalConnections == 0)
    }

    @Test func connectFailedForMinIdleCreationFailsNobody() {
        var pool = CheckedPool(.test(max: 3, minIdle: 1))
        // One creation for the waiter, one for the idle minimum.
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        #expect(pool.machine.pendingCreates == 2)
        #expect(pool { $0.connectionFailed(error: "x", now: t(1)) } == [])
        #expect(pool.machine.waiterCount == 1)
        #expect(pool { $0.connectionEstablished(1, now: t(2)) }.withoutTimers == [.lease(1, to: "a", healthCheck: false), .createConnection])
    }

    @Test func unexpectedConnectFailedIsIgnored() {
        var pool = CheckedPool(.test())
        #expect(pool { $0.connectionFailed(error: "x", now: t(0)) } == [])
        #expect(pool.machine.pendingCreates == 0)
    }

    @Test func connectionClosedWhileIdleIsForgotten() {
        var pool = CheckedPool(.test(max: 2))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        #expect(pool { $0.connectionClosed(1, now: t(2)) } == [])
        #expect(pool.machine.totalConnections == 0)
        #expect(pool { $0.leaseRequested("b", now: t(3)) }.withoutTimers == [.createConnection])
    }

    @Test func connectionClosedWhileLeasedIsForgottenAndReplacedForWaiters() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        #expect(pool { $0.connectionClosed(1, now: t(2)) } == [.createConnection])
        #expect(pool.machine.leasedCount == 0)
        // The client's later release of the dead connection changes nothing.
        #expect(pool { $0.released(1, reusable: true, now: t(3)) } == [])
        #expect(pool { $0.connectionEstablished(2, now: t(4)) }.withoutTimers == [.lease(2, to: "b", healthCheck: false)])
    }

    @Test func closedReportForAConnectionThePoolClosedIsIgnored() {
        var pool = CheckedPool(.test(max: 1))
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.released(1, reusable: false, now: t(1)) } == [.closeConnection(1)])
        #expect(pool { $0.connectionClosed(1, now: t(2)) } == [])
        #expect(pool { $0.connectionClosed(42, now: t(2)) } == [])
    }

    @Test func failedHealthCheckGivesTheRequestAnotherIdleConnection() {
        var pool = CheckedPool(.test(max: 2, healthCheck: .seconds(30)))
        pool.leaseNew(1, to: "a", at: t(0))
        pool.leaseNew(2, to: "b", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        _ = pool { $0.released(2, reusable: true, now: t(2)) }
        #expect(pool { $0.leaseRequested("c", now: t(100)) } == [.lease(2, to: "c", healthCheck: true)])
        #expect(pool { $0.connectionClosed(2, now: t(100)) } == [.lease(1, to: "c", healthCheck: true)])
    }

    @Test func failedHealthCheckRequeuesTheRequestWithItsOriginalAge() {
        var pool = CheckedPool(.test(max: 1, wait: .seconds(10), healthCheck: .seconds(30)))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        #expect(pool { $0.tick(now: t(10)) } == [])
        #expect(pool { $0.leaseRequested("b", now: t(50)) } == [.lease(1, to: "b", healthCheck: true)])
        #expect(pool { $0.leaseRequested("c", now: t(52)) } == [.scheduleTimer(at: t(62))])
        // The ping fails: "b" goes back in front of "c", keeping its t(50)
        // deadline, and the freed slot is used for a replacement.
        #expect(pool { $0.connectionClosed(1, now: t(53)) } == [.createConnection, .scheduleTimer(at: t(60))])
        #expect(pool.machine.waiters.first?.request == "b")
        #expect(pool { $0.connectionEstablished(2, now: t(54)) } == [.lease(2, to: "b", healthCheck: false)])
        #expect(pool { $0.tick(now: t(60)) } == [.scheduleTimer(at: t(62))])
        #expect(pool { $0.tick(now: t(62)) } == [.failRequest("c", .waitTimeout(waited: .seconds(10)))])
    }
}
