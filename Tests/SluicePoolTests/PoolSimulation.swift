import Testing

@testable import SluicePool

/// Plays the NIO caller against a `PoolStateMachine` with random events.
///
/// It performs every returned action on its own model of the world (which
/// connections exist, who holds them, which requests are unanswered, when
/// the timer fires) and, after every step, requires that model, the
/// machine's introspection and the machine's invariants to agree, and that
/// the pool's promises held: never over `maxConnections`, FIFO service, no
/// request left waiting past its timeout, shutdown completing exactly once.
/// Failures throw at the first broken step, naming seed and step.
struct PoolSimulation {
    /// Whether the run reached the interesting paths; a fuzzer that never
    /// times out a waiter proves nothing about timeouts.
    struct Coverage {
        var leases = 0
        var healthCheckedLeases = 0
        var waitTimeouts = 0
        var queueFull = 0
        var connectFailed = 0
        var requeues = 0
        var idleOrLifetimeCloses = 0
        var shutdowns = 0
    }

    /// A request the caller has made and not yet seen answered.
    private struct Pending {
        var sequence: Int
        var since: PoolInstant
    }

    private let seed: UInt64
    private var rng: SplitMix64
    private(set) var machine: Machine
    private(set) var coverage = Coverage()
    private var step = 0
    private var now = PoolInstant(nanoseconds: 1_000_000_000)

    // The caller's model, built only from actions.
    private var pendingCreates = 0
    private var open: Set<Int> = []
    private var leases: [Int: String] = [:]
    private var awaitingCheck: [Int: (request: String, pending: Pending)] = [:]
    private var waiting: [String: Pending] = [:]
    private var timer: PoolInstant?
    private var shutdownRequested = false
    private var shutdownCompleted = false
    /// While running, a completed shutdown starts a fresh pool; while
    /// draining at the end it does not.
    private var restartAfterShutdown = true
    private var nextConnection = 1
    private var nextRequest = 1

    init(seed: UInt64) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
        machine = Machine(configuration: Self.randomConfiguration(using: &rng))
    }

    private var config: PoolConfiguration { machine.configuration }

    // MARK: Driving

    mutating func run(steps: Int) throws {
        for index in 0..<steps {
            step = index
            try randomEvent()
            try fireDueTimers()
            try checkPromises()
        }
        try drain()
    }

    private mutating func randomEvent() throws {
        switch Int.random(in: 0..<1_000, using: &rng) {
        case 0..<220: try requestLease()
        case 220..<420: try releaseSomething()
        case 420..<570: try completeCreation()
        case 570..<610: try cancelSomething()
        case 610..<640: try confirmHealthCheck()
        case 640..<670: try failHealthCheck()
        case 670..<710: try closeSomething()
        case 710..<740: try misuse()
        case 740..<960: try advance(by: randomAdvance())
        case 960..<996: try apply(machine.tick(now: now))
        default:
            if !shutdownRequested { try beginShutdown() }
        }
    }

    private mutating func requestLease() throws {
        // Strictly increasing request instants make FIFO checkable by sequence.
        try advance(by: .microseconds(1))
        let request = "r\(nextRequest)"
        waiting[request] = Pending(sequence: nextRequest, since: now)
        nextRequest += 1
        try apply(machine.leaseRequested(request, now: now), newRequest: request)
    }

    private mutating func releaseSomething() throws {
        guard let conn = leases.keys.randomElement(using: &rng) else { return }
        leases[conn] = nil
        awaitingCheck[conn] = nil
        let reusable = Int.random(in: 0..<5, using: &rng) > 0
        try apply(machine.released(conn, reusable: reusable, now: now))
    }

    private mutating func completeCreation() throws {
        guard pendingCreates > 0 else { return }
        pendingCreates -= 1
        if Int.random(in: 0..<5, using: &rng) > 0 {
            let conn = nextConnection
            nextConnection += 1
            open.insert(conn)
            try apply(machine.connectionEstablished(conn, now: now))
        } else {
            try apply(machine.connectionFailed(error: "refused", now: now))
        }
    }

    private mutating func cancelSomething() throws {
        if let request = waiting.keys.randomElement(using: &rng), Bool.random(using: &rng) {
            waiting[request] = nil
            try apply(machine.cancelRequest(request))
        } else {
            let unknown = leases.values.randomElement(using: &rng) ?? "never-made"
            try require(machine.cancelRequest(unknown) == [], "cancel of a non-waiting request acted")
        }
    }

    private mutating func confirmHealthCheck() throws {
        guard let entry = awaitingCheck.randomElement(using: &rng) else { return }
        awaitingCheck[entry.key] = nil
        let actions = machine.healthCheckSucceeded(entry.key, request: entry.value.request, now: now)
        try require(actions == [], "health check acted")
    }

    /// The caller's ping failed: it reports the connection closed.
    private mutating func failHealthCheck() throws {
        guard let conn = awaitingCheck.keys.randomElement(using: &rng) else { return }
        try close(conn)
    }

    private mutating func closeSomething() throws {
        guard let conn = open.randomElement(using: &rng) else { return }
        try close(conn)
    }

    private mutating func close(_ conn: Int) throws {
        open.remove(conn)
        leases[conn] = nil
        if let check = awaitingCheck.removeValue(forKey: conn) {
            // The pool will find the request another connection.
            waiting[check.request] = check.pending
            coverage.requeues += 1
        }
        try apply(machine.connectionClosed(conn, now: now))
    }

    /// Reports a well-behaved caller never makes; each must be a no-op (or
    /// a refusal) that leaves the machine consistent.
    private mutating func misuse() throws {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:
            try require(machine.released(-1, reusable: true, now: now) == [], "unknown release acted")
        case 1:
            try require(machine.connectionClosed(-2, now: now) == [], "unknown close acted")
        case 2:
            if pendingCreates == 0 {
                try require(machine.connectionEstablished(-3, now: now) == [.closeConnection(-3)], "adopted a stray")
            }
        case 3:
            if pendingCreates == 0 {
                try require(machine.connectionFailed(error: "stray", now: now) == [], "stray failure acted")
            }
        case 4:
            if let conn = awaitingCheck.keys.first {
                try require(machine.healthCheckSucceeded(conn, request: "impostor", now: now) == [], "impostor")
            }
        default:
            if !shutdownRequested, let request = waiting.keys.first {
                try require(machine.leaseRequested(request, now: now) == [], "duplicate request acted")
            }
        }
        try crossCheck()
    }

    private mutating func beginShutdown() throws {
        shutdownRequested = true
        coverage.shutdowns += 1
        try apply(machine.shutdown())
    }

    /// Moves the clock, firing the timer at its instant on the way, as an
    /// event loop would.
    private mutating func advance(by duration: Duration) throws {
        let target = now + duration
        var rounds = 0
        while let due = timer, due <= target {
            rounds += 1
            try require(rounds < 100, "timer keeps firing without progress")
            timer = nil
            now = max(now, due)
            try apply(machine.tick(now: now))
        }
        now = target
    }

    private mutating func fireDueTimers() throws {
        var rounds = 0
        while let due = timer, due <= now {
            rounds += 1
            try require(rounds < 100, "timer keeps asking to fire immediately")
            timer = nil
            try apply(machine.tick(now: now))
        }
    }

    /// Shuts down, returns everything, and requires completion; then starts
    /// a fresh pool with a fresh configuration if asked to continue.
    private mutating func drain() throws {
        restartAfterShutdown = false
        if !shutdownRequested { try beginShutdown() }
        var rounds = 0
        while !shutdownCompleted {
            rounds += 1
            try require(rounds < 1_000, "shutdown never completed")
            if let conn = leases.keys.first {
                leases[conn] = nil
                awaitingCheck[conn] = nil
                try apply(machine.released(conn, reusable: true, now: now))
            } else if pendingCreates > 0 {
                try completeCreation()
            } else if !open.isEmpty {
                try closeSomething()
            } else {
                try require(false, "nothing left but shutdown not complete")
            }
        }
        try require(machine.totalConnections == 0 && open.isEmpty, "connections survived shutdown")
    }

    // MARK: Performing actions

    private mutating func apply(_ actions: [Action], newRequest: String? = nil) throws {
        for action in actions {
            switch action {
            case .createConnection:
                try require(!shutdownRequested, "created a connection after shutdown")
                pendingCreates += 1
            case .lease(let conn, let request, let healthCheck):
                try require(open.contains(conn) && leases[conn] == nil, "leased unavailable connection \(conn)")
                let pending = try takeOldest(request, "lease")
                leases[conn] = request
                coverage.leases += 1
                if healthCheck {
                    awaitingCheck[conn] = (request, pending)
                    coverage.healthCheckedLeases += 1
                }
            case .failRequest(let request, let error):
                try fail(request, error, newRequest: newRequest)
            case .closeConnection(let conn):
                try require(open.remove(conn) != nil, "closed unknown connection \(conn)")
                try require(leases[conn] == nil, "closed leased connection \(conn)")
                if !shutdownRequested { coverage.idleOrLifetimeCloses += 1 }
            case .scheduleTimer(let instant):
                try require(!shutdownRequested, "timer requested after shutdown")
                timer = min(timer ?? instant, instant)
            case .shutdownComplete:
                try require(shutdownRequested && !shutdownCompleted, "unexpected shutdownComplete")
                shutdownCompleted = true
            }
        }
        try crossCheck()
        if shutdownCompleted, restartAfterShutdown {
            try restart()
        }
    }

    private mutating func fail(_ request: String, _ error: PoolError, newRequest: String?) throws {
        switch error {
        case .queueFull:
            try require(request == newRequest, "queueFull for a request already admitted")
            try require(machine.waiterCount >= config.maxWaiters, "queueFull below maxWaiters")
            waiting[request] = nil
            coverage.queueFull += 1
        case .waitTimeout(let waited):
            let pending = try takeOldest(request, "timeout")
            try require(waited == now.duration(since: pending.since), "wrong waited duration")
            try require(waited >= config.waitTimeout, "timed out early")
            coverage.waitTimeouts += 1
        case .connectFailed:
            _ = try takeOldest(request, "connectFailed")
            coverage.connectFailed += 1
        case .shutdown:
            try require(shutdownRequested, "shutdown failure while running")
            _ = try takeOldest(request, "shutdown")
        }
    }

    /// Removes and returns `request`, requiring it to be the oldest
    /// unanswered request: the pool serves and fails strictly FIFO.
    private mutating func takeOldest(_ request: String, _ what: String) throws -> Pending {
        guard let pending = waiting.removeValue(forKey: request) else {
            try require(false, "\(what) for unknown request \(request)")
            return Pending(sequence: 0, since: now)
        }
        let older = waiting.values.filter { $0.sequence < pending.sequence }.count
        try require(older == 0, "\(what) for \(request) overtook \(older) older requests")
        return pending
    }

    // MARK: Checking

    private func crossCheck() throws {
        let violations = machine.invariantViolations()
        try require(violations.isEmpty, "invariants: \(violations)")
        try require(machine.pendingCreates == pendingCreates, "pendingCreates \(machine.pendingCreates) vs \(pendingCreates)")
        try require(machine.leasedCount == leases.count, "leased \(machine.leasedCount) vs \(leases.count)")
        try require(machine.idleCount == open.count - leases.count, "idle \(machine.idleCount) vs model")
        try require(machine.waiterCount == waiting.count, "waiters \(machine.waiterCount) vs \(waiting.count)")
        try require(open.count + pendingCreates <= config.maxConnections, "over maxConnections")
        try require(machine.totalConnections == open.count + pendingCreates, "totalConnections disagrees")
    }

    /// Promises that must hold once due timers have fired.
    private func checkPromises() throws {
        for (request, pending) in waiting {
            try require(pending.since + config.waitTimeout > now, "\(request) left waiting past its timeout")
        }
    }

    private mutating func restart() throws {
        try require(waiting.isEmpty && open.isEmpty && pendingCreates == 0, "leftovers after shutdown")
        machine = Machine(configuration: Self.randomConfiguration(using: &rng))
        leases = [:]
        awaitingCheck = [:]
        timer = nil
        shutdownRequested = false
        shutdownCompleted = false
    }

    private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        try #require(condition, "seed \(seed) step \(step): \(message())")
    }

    // MARK: Randomness

    private static func randomConfiguration(using rng: inout SplitMix64) -> PoolConfiguration {
        func maybe(_ duration: Duration) -> Duration? {
            Int.random(in: 0..<4, using: &rng) == 0 ? nil : duration
        }
        return PoolConfiguration(
            maxConnections: Int.random(in: 1...5, using: &rng),
            minIdleConnections: Int.random(in: 0...2, using: &rng),
            idleTimeout: maybe(.seconds(Int.random(in: 1...20, using: &rng))),
            maxLifetime: maybe(.seconds(Int.random(in: 5...60, using: &rng))),
            waitTimeout: .milliseconds(Int.random(in: 0...10_000, using: &rng)),
            healthCheckAfterIdle: maybe(.milliseconds(Int.random(in: 0...3_000, using: &rng))),
            maxWaiters: Int.random(in: 0...8, using: &rng)
        )
    }

    private mutating func randomAdvance() -> Duration {
        Int.random(in: 0..<10, using: &rng) == 0
            ? .milliseconds(Int.random(in: 1...30_000, using: &rng))
            : .milliseconds(Int.random(in: 1...500, using: &rng))
    }
}
