import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and waits until the server has finished executing it.
    ///
    /// `query(_:logger:)` returns as soon as the result's shape is known,
    /// which for a row-returning statement can be before it ran: an advisory
    /// lock would not yet be held, and an error raised while executing would
    /// only surface when the rows are read. Draining the rows closes both gaps.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        let rows = try await self.query(query, logger: logger)
        for try await _ in rows {}
    }

    /// Runs a query whose answer is one boolean (`SELECT EXISTS (...)`).
    func isTrue(_ query: PostgresQuery, logger: Logger) async throws -> Bool {
        var answer = false
        for try await value in try await self.query(query, logger: logger).decode(Bool.self) {
            answer = value
        }
        return answer
    }
}

extension PostgresConnection {
    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back if it throws.
    ///
    /// Unlike PostgresNIO's `withTransaction`, errors come out unwrapped, so
    /// callers can match a `ControlPlaneError` or a SQLSTATE directly.
    func inTransaction<Result>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await run("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            try? await run("ROLLBACK", logger: logger)
            throw error
        }
        try await run("COMMIT", logger: logger)
        return result
    }
}
