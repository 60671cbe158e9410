import Testing

@testable import SluicePool

/// A limit shared with other pools (connections per upstream server):
/// deferred creations keep their waiters waiting, capacity brings them
/// back, and an idle connection can be given up for another pool.
@Suite("Shared limit")
struct PoolSharedLimitTests {
    @Test func aDeferredCreationFailsNobodyAndWaitsForCapacity() {
        var pool = CheckedPool(.test(max: 2, wait: .seconds(5)))
        #expect(pool { $0.leaseRequested("a", now: t(0)) }.withoutTimers == [.createConnection])
        #expect(pool { $0.creationDeferred(now: t(0)) }.withoutTimers == [])
        #expect(pool.machine.pendingCreates == 0)
        #expect(pool.machine.waiterCount == 1)
        #expect(pool.machine.hasUnservedWaiters)
        #expect(pool { $0.capacityAvailable(now: t(1)) }.withoutTimers == [.createConnection])
        #expect(!pool.machine.hasUnservedWaiters)
        #expect(pool { $0.connectionEstablished(1, now: t(2)) }.withoutTimers == [.lease(1, to: "a", healthCheck: false)])
    }

    @Test func aDeferredWaiterStillTimesOut() {
        var pool = CheckedPool(.test(max: 2, wait: .seconds(5)))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.creationDeferred(now: t(0)) }
        #expect(pool { $0.tick(now: t(5)) }.withoutTimers == [.failRequest("a", .waitTimeout(waited: .seconds(5)))])
        #expect(!pool.machine.hasUnservedWaiters)
        #expect(pool { $0.capacityAvailable(now: t(6)) }.withoutTimers == [])
    }

    @Test func capacityCreatesOnlyWhatIsStillNeeded() {
        var pool = CheckedPool(.test(max: 3))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.leaseRequested("b", now: t(0)) }
        _ = pool { $0.creationDeferred(now: t(0)) }
        // One creation is still pending for two waiters: one more is needed.
        #expect(pool.machine.hasUnservedWaiters)
        #expect(pool { $0.capacityAvailable(now: t(1)) }.withoutTimers == [.createConnection])
        #expect(pool { $0.capacityAvailable(now: t(1)) }.withoutTimers == [])
    }

    @Test func evictIdleClosesTheLongestIdle() {
        var pool = CheckedPool(.test(max: 3))
        _ = pool { $0.leaseRequested("a", now: t(0)) }
        _ = pool { $0.leaseRequested("b", now: t(0)) }
        _ = pool { $0.connectionEstablished(1, now: t(1)) }
        _ = pool { $0.connectionEstablished(2, now: t(1)) }
        _ = pool { $0.released(2, reusable: true, now: t(2)) }
        _ = pool { $0.released(1, reusable: true, now: t(3)) }
        #expect(pool { $0.evictIdle(now: t(4)) ?? [] }.withoutTimers == [.closeConnection(2)])
        #expect(pool.machine.idleCount == 1)
        #expect(pool { $0.evictIdle(now: t(5)) ?? [] }.withoutTimers == [.closeConnection(1)])
        #expect(pool.machine.evictIdle(now: t(6)) == nil)
        #expect(pool.machine.totalConnections == 0)
    }
}
