import Testing

@testable import SluicePool

@Suite("Value types")
struct PoolValueTests {
    @Test func instantArithmeticSaturatesAndClamps() {
        let start = PoolInstant(nanoseconds: 1_000)
        #expect((start + .nanoseconds(500)).nanoseconds == 1_500)
        #expect((start + .seconds(2)).nanoseconds == 2_000_001_000)
        #expect((start + .milliseconds(-5)) == start)
        #expect((PoolInstant(nanoseconds: UInt64.max - 1) + .seconds(1)).nanoseconds == UInt64.max)
        #expect((start + .seconds(Int64.max)).nanoseconds == UInt64.max)
        #expect(t(3).duration(since: t(1)) == .seconds(2))
        #expect(t(1).duration(since: t(3)) == .zero)
        #expect(t(1) < t(2))
    }

    @Test func defaultsMatchTheDocumentedValues() {
        let config = PoolConfiguration()
        #expect(config.maxConnections == 20)
        #expect(config.minIdleConnections == 0)
        #expect(config.idleTimeout == .seconds(600))
        #expect(config.maxLifetime == .seconds(3600))
        #expect(config.waitTimeout == .seconds(30))
        #expect(config.healthCheckAfterIdle == .seconds(30))
        #expect(config.maxWaiters == 10_000)
        #expect(config.normalized == config)
    }

    @Test func machineNormalizesOutOfRangeConfiguration() {
        let machine = Machine(
            configuration: PoolConfiguration(
                maxConnections: 0,
                minIdleConnections: 5,
                idleTimeout: .seconds(-1),
                waitTimeout: .seconds(-3),
                maxWaiters: -1
            )
        )
        #expect(machine.configuration.maxConnections == 1)
        #expect(machine.configuration.minIdleConnections == 1)
        #expect(machine.configuration.idleTimeout == .zero)
        #expect(machine.configuration.waitTimeout == .zero)
        #expect(machine.configuration.maxWaiters == 0)
    }

    @Test func errorsDescribeThemselvesForClients() {
        #expect(PoolError.connectFailed("refused").description.contains("refused"))
        #expect(PoolError.queueFull.description.contains("waiting"))
    }
}
