import Testing

@testable import SluicePool

@Suite("Timers and housekeeping")
struct PoolTimerTests {
    @Test func waiterTimesOutOnTick() {
        var pool = CheckedPool(.test(max: 1, wait: .seconds(10)))
        pool.leaseNew(1, to: "a", at: t(0))
        // "a" waited for its connection, so a timer for t(10) is armed; it
        // fires before "b" or "c" are due, so no new timer is requested.
        #expect(pool.machine.scheduledTimer == t(10))
        #expect(pool { $0.leaseRequested("b", now: t(2)) } == [])
        #expect(pool { $0.leaseRequested("c", now: t(5)) } == [])
        #expect(pool { $0.tick(now: t(10)) } == [.scheduleTimer(at: t(12))])
        #expect(pool { $0.tick(now: t(11.9)) } == [])
        #expect(pool.machine.waiterCount == 2)
        #expect(
            pool { $0.tick(now: t(12)) } == [
                .failRequest("b", .waitTimeout(waited: .seconds(10))),
                .scheduleTimer(at: t(15)),
            ]
        )
        #expect(pool { $0.tick(now: t(16)) } == [.failRequest("c", .waitTimeout(waited: .seconds(11)))])
        #expect(pool.machine.waiterCount == 0)
        #expect(pool.machine.scheduledTimer == nil)
    }

    @Test func timerIsOnlyRequestedWhenTheDeadlineMovesEarlier() {
        var pool = CheckedPool(.test(max: 1, idle: .seconds(100), wait: .seconds(10)))
        pool.leaseNew(1, to: "a", at: t(0))
        // The armed t(10) timer precedes the idle deadline t(101).
        #expect(pool { $0.released(1, reusable: true, now: t(1)) } == [])
        #expect(pool { $0.tick(now: t(10)) } == [.scheduleTimer(at: t(101))])
        #expect(pool { $0.leaseRequested("b", now: t(11)) } == [.lease(1, to: "b", healthCheck: false)])
        // "c" is due at t(22), before the armed t(101): a new, earlier timer.
        #expect(pool { $0.leaseRequested("c", now: t(12)) } == [.scheduleTimer(at: t(22))])
        #expect(pool { $0.leaseRequested("d", now: t(13)) } == [])
        // Cancelling "c" leaves the t(22) timer armed; its tick re-arms for "d".
        #expect(pool { $0.cancelRequest("c") } == [])
        #expect(pool { $0.tick(now: t(22)) } == [.scheduleTimer(at: t(23))])
    }

    @Test func earlyTickDoesNotForgetTheArmedTimer() {
        var pool = CheckedPool(.test(max: 1, wait: .seconds(10)))
        pool.leaseNew(1, to: "a", at: t(0))
        #expect(pool { $0.tick(now: t(10)) } == [])
        #expect(pool.machine.scheduledTimer == nil)
        #expect(pool { $0.leaseRequested("b", now: t(20)) } == [.scheduleTimer(at: t(30))])
        #expect(pool { $0.tick(now: t(25)) } == [])
        #expect(pool.machine.scheduledTimer == t(30))
        #expect(pool.machine.waiterCount == 1)
    }

    @Test func idleTimeoutClosesButKeepsMinIdle() {
        var pool = CheckedPool(.test(max: 3, minIdle: 1, idle: .seconds(60)))
        // Three clients at once use all three slots (the idle minimum is met
        // once they come back).
        #expect(pool { $0.leaseRequested("a", now: t(0)) }.withoutTimers == [.createConnection, .createConnection])
        #expect(pool { $0.leaseRequested("b", now: t(0)) } == [.createConnection])
        #expect(pool { $0.leaseRequested("c", now: t(0)) } == [])
        #expect(pool { $0.connectionEstablished(1, now: t(0)) } == [.lease(1, to: "a", healthCheck: false)])
        #expect(pool { $0.connectionEstablished(2, now: t(0)) } == [.lease(2, to: "b", healthCheck: false)])
        #expect(pool { $0.connectionEstablished(3, now: t(0)) } == [.lease(3, to: "c", healthCheck: false)])
        _ = pool { $0.released(1, reusable: true, now: t(10)) }
        _ = pool { $0.released(2, reusable: true, now: t(20)) }
        _ = pool { $0.released(3, reusable: true, now: t(30)) }
        #expect(pool.machine.idleCount == 3)
        #expect(pool { $0.tick(now: t(30)) } == [.scheduleTimer(at: t(70))])
        #expect(pool { $0.tick(now: t(70)) } == [.closeConnection(1), .scheduleTimer(at: t(80))])
        // Both remaining are past the timeout, but one is kept warm: the most
        // recently used.
        #expect(pool { $0.tick(now: t(200)) } == [.closeConnection(2)])
        #expect(pool.machine.idle.map(\.id) == [3])
        #expect(pool.machine.nextDeadline() == nil)
    }

    @Test func minIdleIsRefilledOnTickAndAfterLeases() {
        var pool = CheckedPool(.test(max: 3, minIdle: 2))
        #expect(pool { $0.tick(now: t(0)) } == [.createConnection, .createConnection])
        #expect(pool { $0.tick(now: t(0)) } == [])
        _ = pool { $0.connectionEstablished(1, now: t(1)) }
        _ = pool { $0.connectionEstablished(2, now: t(1)) }
        #expect(pool.machine.idleCount == 2)
        // Leasing one drops idle below the minimum: one more is created,
        // within maxConnections.
        #expect(pool { $0.leaseRequested("a", now: t(2)) } == [.lease(2, to: "a", healthCheck: false), .createConnection])
        _ = pool { $0.connectionEstablished(3, now: t(3)) }
        #expect(pool { $0.leaseRequested("b", now: t(4)) } == [.lease(3, to: "b", healthCheck: false)])
        #expect(pool.machine.totalConnections == 3)
    }

    @Test func minIdleCreationsAlsoCoverWaiters() {
        var pool = CheckedPool(.test(max: 5, minIdle: 2))
        #expect(pool { $0.leaseRequested("a", now: t(0)) }.withoutTimers == Array(repeating: .createConnection, count: 3))
        #expect(pool { $0.connectionEstablished(1, now: t(1)) } == [.lease(1, to: "a", healthCheck: false)])
        #expect(pool { $0.connectionEstablished(2, now: t(1)) } == [])
        #expect(pool { $0.connectionEstablished(3, now: t(1)) } == [])
        #expect(pool.machine.idleCount == 2)
    }

    @Test func idleConnectionPastMaxLifetimeIsClosedOnTickAndReplacedForMinIdle() {
        var pool = CheckedPool(.test(max: 2, minIdle: 1, lifetime: .seconds(100)))
        _ = pool { $0.tick(now: t(0)) }
        #expect(pool { $0.connectionEstablished(1, now: t(0)) } == [.scheduleTimer(at: t(100))])
        #expect(pool { $0.tick(now: t(100)) } == [.closeConnection(1), .createConnection])
        #expect(pool.machine.totalConnections == 1)
    }

    @Test func connectionPastMaxLifetimeIsNeverLeased() {
        var pool = CheckedPool(.test(max: 2, lifetime: .seconds(100)))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(50)) }
        // The timer would close it at t(100); a lease arriving first must not
        // get it.
        #expect(
            pool { $0.leaseRequested("b", now: t(100)) }.withoutTimers == [.closeConnection(1), .createConnection]
        )
        #expect(pool { $0.connectionEstablished(2, now: t(101)) } == [.lease(2, to: "b", healthCheck: false)])
    }

    @Test func connectionPastMaxLifetimeIsClosedWhenReleasedAndReplacedForWaiter() {
        var pool = CheckedPool(.test(max: 1, lifetime: .seconds(100)))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(90)) }
        #expect(pool { $0.released(1, reusable: true, now: t(100)) } == [.closeConnection(1), .createConnection])
        #expect(pool { $0.connectionEstablished(2, now: t(101)) }.withoutTimers == [.lease(2, to: "b", healthCheck: false)])
    }

    @Test func healthCheckIsRequestedOnlyAfterIdlingLongEnough() {
        var pool = CheckedPool(.test(max: 1, healthCheck: .seconds(30)))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.released(1, reusable: true, now: t(10)) }
        #expect(pool { $0.leaseRequested("b", now: t(39)) } == [.lease(1, to: "b", healthCheck: false)])
        _ = pool { $0.released(1, reusable: true, now: t(40)) }
        #expect(pool { $0.leaseRequested("c", now: t(70)) } == [.lease(1, to: "c", healthCheck: true)])
        #expect(pool.machine.leased[1]?.awaitingHealthCheck?.request == "c")
        #expect(pool { $0.healthCheckSucceeded(1, request: "wrong", now: t(70)) } == [])
        #expect(pool.machine.leased[1]?.awaitingHealthCheck?.request == "c")
        #expect(pool { $0.healthCheckSucceeded(1, request: "c", now: t(70)) } == [])
        #expect(pool.machine.leased[1]?.awaitingHealthCheck == nil)
        // Once confirmed, losing the connection is the client's problem, not a
        // reason to re-queue its request.
        #expect(pool { $0.connectionClosed(1, now: t(71)) } == [])
        #expect(pool.machine.waiterCount == 0)
    }

    @Test func connectionHandedStraightToWaiterIsNotHealthChecked() {
        var pool = CheckedPool(.test(max: 1, healthCheck: .zero))
        pool.leaseNew(1, to: "a", at: t(0))
        _ = pool { $0.leaseRequested("b", now: t(1)) }
        #expect(pool { $0.released(1, reusable: true, now: t(100)) } == [.lease(1, to: "b", healthCheck: false)])
    }
}
