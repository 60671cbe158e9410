/// How the proxy's `ServiceGroup.run()` ended, once it has: polled by the
/// harness, because awaiting the task itself could not be given a deadline.
actor RunState {
    private(set) var outcome: Result<Void, any Error>?

    func finish(_ outcome: Result<Void, any Error>) {
        self.outcome = outcome
    }
}
