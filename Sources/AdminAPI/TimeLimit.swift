/// Runs an operation with a deadline that holds even when the operation
/// ignores cancellation.
///
/// A task group would not do: it waits for every child before returning, so
/// a check stuck on an unresponsive server would hold `/readyz` past its
/// timeout. Here the operation runs in its own task; whichever of it and the
/// timer finishes first answers, and the other is left to end on its own.
enum TimeLimit {
    static func run<T: Sendable>(
        within limit: Duration,
        orElse fallback: @escaping @Sendable () -> T,
        _ operation: @escaping @Sendable () async -> T
    ) async -> T {
        let answer = FirstAnswer<T>()
        return await withCheckedContinuation { continuation in
            answer.install(continuation)
            let work = Task {
                answer.resume(with: await operation())
            }
            Task {
                try? await Task.sleep(for: limit)
                if answer.resume(with: fallback()) {
                    work.cancel()
                }
            }
        }
    }
}
