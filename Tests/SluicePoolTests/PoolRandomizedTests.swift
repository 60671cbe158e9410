import Testing

@testable import SluicePool

@Suite("Randomized")
struct PoolRandomizedTests {
    @Test(arguments: [1, 2, 3, 42, 20_240_601] as [UInt64])
    func randomEventsKeepEveryInvariant(seed: UInt64) throws {
        var simulation = PoolSimulation(seed: seed)
        try simulation.run(steps: 10_000)
        // The run must actually have exercised what it claims to check.
        let coverage = simulation.coverage
        #expect(coverage.leases > 100)
        #expect(coverage.healthCheckedLeases > 0)
        #expect(coverage.waitTimeouts > 0)
        #expect(coverage.queueFull > 0)
        #expect(coverage.connectFailed > 0)
        #expect(coverage.requeues > 0)
        #expect(coverage.idleOrLifetimeCloses > 0)
        #expect(coverage.shutdowns > 1)
    }

    /// The invariant checker the randomized test relies on must notice a
    /// corrupted state, or every green run above would be meaningless.
    @Test func invariantCheckerDetectsCorruption() {
        var machine = Machine(configuration: .test(max: 1))
        _ = machine.leaseRequested("a", now: t(0))
        #expect(machine.invariantViolations() == [])

        var overCapacity = machine
        overCapacity.pendingCreates = 2
        #expect(!overCapacity.invariantViolations().isEmpty)

        var idleWhileWaiting = machine
        idleWhileWaiting.idle.append(.init(id: 9, createdAt: t(0), idleSince: t(0)))
        #expect(!idleWhileWaiting.invariantViolations().isEmpty)

        var noTimer = machine
        noTimer.scheduledTimer = nil
        #expect(!noTimer.invariantViolations().isEmpty)

        var lateTimer = machine
        lateTimer.scheduledTimer = t(31)
        #expect(!lateTimer.invariantViolations().isEmpty)

        var doubleBooked = machine
        doubleBooked.pendingCreates = 0
        doubleBooked.idle = [.init(id: 1, createdAt: t(0), idleSince: t(0))]
        doubleBooked.leased[1] = .init(createdAt: t(0), awaitingHealthCheck: nil)
        _ = doubleBooked.waiters.popFirst()
        #expect(!doubleBooked.invariantViolations().isEmpty)

        var shutdownWithWaiters = machine
        shutdownWithWaiters.lifecycle = .shuttingDown
        #expect(!shutdownWithWaiters.invariantViolations().isEmpty)
    }
}
