import Testing

@testable import SluicePool

/// Connections are plain integers and requests strings, so the two can never
/// be confused in an expected action list.
typealias Machine = PoolStateMachine<Int, String>
typealias Action = Machine.Action

/// An instant `seconds` after the fake clock's origin.
func t(_ seconds: Double) -> PoolInstant {
    PoolInstant(nanoseconds: 0) + .seconds(seconds)
}

extension PoolConfiguration {
    /// A small pool with every optional timer off unless a test turns it on,
    /// so expectations only contain the behaviour under test.
    static func test(
        max: Int = 2,
        minIdle: Int = 0,
        idle: Duration? = nil,
        lifetime: Duration? = nil,
        wait: Duration = .seconds(30),
        healthCheck: Duration? = nil,
        maxWaiters: Int = 100
    ) -> PoolConfiguration {
        PoolConfiguration(
            maxConnections: max,
            minIdleConnections: minIdle,
            idleTimeout: idle,
            maxLifetime: lifetime,
            waitTimeout: wait,
            healthCheckAfterIdle: healthCheck,
            maxWaiters: maxWaiters
        )
    }
}

extension Array where Element == Action {
    /// The actions without timer requests, for tests not about timers.
    var withoutTimers: [Action] {
        filter {
            if case .scheduleTimer = $0 { return false }
            return true
        }
    }
}

/// A state machine that checks its invariants after every event, recording a
/// test failure (with the violated invariants) at the calling line.
struct CheckedPool {
    var machine: Machine

    init(_ configuration: PoolConfiguration) {
        machine = Machine(configuration: configuration)
    }

    mutating func callAsFunction(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ event: (inout Machine) -> [Action]
    ) -> [Action] {
        let actions = event(&machine)
        #expect(machine.invariantViolations() == [], sourceLocation: sourceLocation)
        return actions
    }

    /// Leases `request` on an empty slot: request, then establish `conn`.
    mutating func leaseNew(
        _ conn: Int,
        to request: String,
        at now: PoolInstant,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let requested = self(sourceLocation: sourceLocation) { $0.leaseRequested(request, now: now) }
        #expect(requested.withoutTimers == [.createConnection], sourceLocation: sourceLocation)
        let established = self(sourceLocation: sourceLocation) { $0.connectionEstablished(conn, now: now) }
        #expect(
            established.withoutTimers == [.lease(conn, to: request, healthCheck: false)],
            sourceLocation: sourceLocation
        )
    }
}
