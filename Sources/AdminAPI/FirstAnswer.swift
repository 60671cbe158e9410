import Synchronization

/// Resumes a continuation with the first value offered; later ones are dropped.
final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func install(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// True when this call resumed the continuation.
    @discardableResult
    func resume(with value: T) -> Bool {
        let taken = continuation.withLock { slot -> CheckedContinuation<T, Never>? in
            let taken = slot
            slot = nil
            return taken
        }
        taken?.resume(returning: value)
        return taken != nil
    }
}
