import Testing

@testable import SluicePool

@Suite("Shutdown")
struct PoolShutdownTests {
    @Test func shutdownFailsWaitersAndCompletesAfterLastRelease() {
        var pool = CheckedPool(.test(max: 3))
        pool.leaseNew(1, to: "a", at: t(0))
        pool.leaseNew(2, to: "b", at: t(0))
        _ = pool { $0.leaseRequested("c", now: t(2)) }
        _ = pool { $0.leaseRequested("d", now: t(2)) }
        #expect(pool.machine.waiterCount == 2)
        #expect(pool.machine.pendingCreates == 1)

        #expect(pool { $0.shutdown() } == [.failRequest("c", .shutdown), .failRequest("d", .shutdown)])
        #expect(pool.machine.isShuttingDown)
        #expect(pool { $0.shutdown() } == [])
        #expect(pool { $0.leaseRequested("e", now: t(3)) } == [.failRequest("e", .shutdown)])
        #expect(pool { $0.tick(now: t(100)) } == [])
        // The creation still in flight is closed when it lands.
        #expect(pool { $0.connectionEstablished(3, now: t(4)) } == [.closeConnection(3)])
        // Leased connections are closed however they come back.
        #expect(pool { $0.released(1, reusable: true, now: t(5)) } == [.closeConnection(1)])
        #expect(pool { $0.released(2, reusable: true, now: t(6)) } == [.closeConnection(2), .shutdownComplete])
        #expect(pool.machine.totalConnections == 0)
        // After completion nothing is created, adopted or reported again.
        #expect(pool { $0.leaseRequested("f", now: t(7)) } == [.failRequest("f", .shutdown)])
        #expect(pool { $0.connectionEstablished(9, now: t(7)) } == [.closeConnection(9)])
        #expect(pool { $0.shutdown() } == [])
    }

    @Test func shutdownClosesIdleConnections() {
        var pool = CheckedPool(.test(max: 2))
        pool.leaseNew(1, to: "a", at: t(0))
        pool.leaseNew(2, to: "b", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        _ = pool { $0.released(2, reusable: true, now: t(1)) }
        #expect(pool { $0.shutdown() } == [.closeConnection(1), .closeConnection(2), .shutdownComplete])
    }

    @Test func shutdownOfAnEmptyPoolCompletesAtOnce() {
        var pool = CheckedPool(.test())
        #expect(pool { $0.shutdown() } == [.shutdownComplete])
    }

    @Test func shutdownCompletesWhenTheLastPendingCreationFails() {
        var pool = CheckedPool(.test())
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        #expect(pool { $0.shutdown() } == [.failRequest("a", .shutdown)])
        #expect(pool { $0.connectionFailed(error: "x", now: t(1)) } == [.shutdownComplete])
    }

    @Test func shutdownCompletesWhenTheLastLeasedConnectionCloses() {
        var pool = CheckedPool(.test())
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.shutdown() } == [])
        #expect(pool { $0.connectionClosed(1, now: t(1)) } == [.shutdownComplete])
    }

    @Test func failedHealthCheckDuringShutdownFailsTheRequest() {
        var pool = CheckedPool(.test(max: 1, healthCheck: .zero))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(1)) }
        #expect(pool { $0.leaseRequested("b", now: t(2)) } == [.lease(1, to: "b", healthCheck: true)])
        #expect(pool { $0.shutdown() } == [])
        #expect(pool { $0.connectionClosed(1, now: t(3)) } == [.failRequest("b", .shutdown), .shutdownComplete])
    }
}
