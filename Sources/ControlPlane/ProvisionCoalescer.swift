import SluiceModel

/// Makes concurrent `provision` calls for one workspace in this process share
/// a single run: a second caller waits for the run in progress and gets its
/// report instead of starting another. (Other processes are kept apart by the
/// advisory lock on the upstream.)
actor ProvisionCoalescer {
    private var running: [WorkspaceID: Task<ProvisionReport, any Error>] = [:]

    func run(
        _ workspace: WorkspaceID,
        _ operation: @escaping @Sendable () async throws -> ProvisionReport
    ) async throws -> ProvisionReport {
        if let inProgress = running[workspace] {
            return try await inProgress.value
        }
        // Unstructured on purpose: the run belongs to every caller waiting on
        // it, so one caller's cancellation must not abort it for the others.
        let task = Task { try await operation() }
        running[workspace] = task
        defer {
            if running[workspace] == task {
                running[workspace] = nil
            }
        }
        return try await task.value
    }
}
