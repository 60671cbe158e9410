extension PoolStateMachine {
    /// Descriptions of every broken invariant; empty when the state is
    /// consistent. Exposed (internally) so tests can check the machine after
    /// every step and report exactly what broke.
    ///
    /// The waiter-ordering invariant assumes the caller's instants never go
    /// backwards, as `PoolInstant` documents.
    func invariantViolations() -> [String] {
        var problems = waiters.violations()
        let config = configuration
        if pendingCreates < 0 {
            problems.append("pendingCreates is negative: \(pendingCreates)")
        }
        if totalConnections > config.maxConnections {
            problems.append("\(totalConnections) connections exceed maxConnections \(config.maxConnections)")
        }
        if Set(idle.map(\.id)).count != idle.count {
            problems.append("an idle connection is listed twice")
        }
        for connection in idle {
            if leased[connection.id] != nil {
                problems.append("connection \(connection.id) is both idle and leased")
            }
            if connection.idleSince < connection.createdAt {
                problems.append("connection \(connection.id) idle since before it was created")
            }
        }
        for (conn, lease) in leased {
            if let waiter = lease.awaitingHealthCheck, waiters.contains(waiter.request) {
                problems.append("request \(waiter.request) is queued while health-checking \(conn)")
            }
        }
        // Re-queued health-check failures may exceed the bound, at most one
        // per connection.
        if waiters.count > config.maxWaiters + config.maxConnections {
            problems.append("\(waiters.count) waiters exceed maxWaiters \(config.maxWaiters)")
        }
        switch lifecycle {
        case .running:
            if !idle.isEmpty, !waiters.isEmpty {
                problems.append("\(idle.count) idle connections while \(waiters.count) requests wait")
            }
            if let deadline = nextDeadline() {
                if let scheduled = scheduledTimer {
                    if scheduled > deadline {
                        problems.append("timer at \(scheduled) is later than the next deadline \(deadline)")
                    }
                } else {
                    problems.append("deadline \(deadline) pending but no timer scheduled")
                }
            }
        case .shuttingDown, .shutDown:
            if !waiters.isEmpty || !idle.isEmpty {
                problems.append("\(waiters.count) waiters and \(idle.count) idle connections after shutdown")
            }
            if scheduledTimer != nil {
                problems.append("timer still scheduled after shutdown")
            }
            if lifecycle == .shuttingDown, totalConnections == 0 {
                problems.append("shutting down with nothing left but shutdownComplete not reported")
            }
            if lifecycle == .shutDown, totalConnections != 0 {
                problems.append("shut down but still holding \(totalConnections) connections")
            }
        }
        return problems
    }

    /// Debug-build assertion that `invariantViolations()` is empty; compiled
    /// out of release builds like any `assert`.
    func assertInvariants(file: StaticString = #file, line: UInt = #line) {
        assert(invariantViolations().isEmpty, "pool invariants broken: \(invariantViolations())", file: file, line: line)
    }
}
