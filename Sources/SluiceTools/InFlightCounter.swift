/// Counts tool calls still running, so the MCP server can answer them before
/// it exits when stdin closes right after a request.
actor InFlightCounter {
    private var running = 0

    func enter() { running += 1 }
    func leave() { running -= 1 }

    /// Waits until nothing runs, or `limit` passes.
    func drain(limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        // A request read just before EOF may not have reached its handler yet.
        try? await Task.sleep(for: .milliseconds(100))
        while running > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
