import PostgresNIO

/// Reachability checks behind `/readyz`: the control database answers a
/// query, and every configured upstream accepts the admin login.
extension ControlStore {
    /// Throws (a `ControlPlaneError` safe to show) unless the control
    /// database answers `SELECT 1`.
    public func checkControlDatabase() async throws {
        try await withControlConnection { connection in
            try await connection.run("SELECT 1", logger: logger)
        }
    }

    /// Opens an admin session to each configured upstream and runs
    /// `SELECT 1`; returns the failures by upstream name (empty when all
    /// answered). Fresh connections on purpose: the question is whether a
    /// new session can be made now, not whether an old one is still open.
    public func unreachableUpstreams() async -> [String: String] {
        await withTaskGroup(of: (String, String?).self) { group in
            for upstream in configuration.upstreams {
                group.addTask { [upstreamAdmin, logger] in
                    do {
                        try await upstreamAdmin.withConnection(to: upstream, database: upstream.adminDatabase) { admin in
                            try await admin.run("SELECT 1", logger: logger)
                        }
                        return (upstream.name, nil)
                    } catch {
                        return (upstream.name, PostgresFailure.summary(of: error))
                    }
                }
            }
            var failures: [String: String] = [:]
            for await (name, failure) in group {
                if let failure { failures[name] = failure }
            }
            return failures
        }
    }
}
