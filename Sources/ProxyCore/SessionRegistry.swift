import NIOConcurrencyHelpers
import NIOCore

/// The open client sessions, so shutdown can wait for them and, at its
/// deadline, end the rest the way the server would (57P01).
final class SessionRegistry: Sendable {
    private struct Entry: Sendable {
        var eventLoop: EventLoop
        var terminate: @Sendable () -> Void
    }

    private let state = NIOLockedValueBox<(next: Int, entries: [Int: Entry])>((1, [:]))

    func add(eventLoop: EventLoop, terminate: @escaping @Sendable () -> Void) -> Int {
        state.withLockedValue { state in
            let id = state.next
            state.next += 1
            state.entries[id] = Entry(eventLoop: eventLoop, terminate: terminate)
            return id
        }
    }

    func remove(_ id: Int) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }

    var count: Int { state.withLockedValue { $0.entries.count } }

    func terminateAll() {
        let entries = state.withLockedValue { Array($0.entries.values) }
        for entry in entries {
            entry.eventLoop.execute { entry.terminate() }
        }
    }
}
