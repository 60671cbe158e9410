import NIOConcurrencyHelpers
import NIOCore
import SluiceModel

/// The open client sessions, so shutdown can wait for them and, at its
/// deadline, end the rest the way the server would (57P01).
final class SessionRegistry: Sendable {
    private struct Entry: Sendable {
        var eventLoop: EventLoop
        var terminate: @Sendable () -> Void
        var user: ClientUser?
        var end: (@Sendable (String) -> Void)?
    }

    private let state = NIOLockedValueBox<(next: Int, entries: [Int: Entry])>((1, [:]))

    func add(eventLoop: EventLoop, terminate: @escaping @Sendable () -> Void) -> Int {
        state.withLockedValue { state in
            let id = state.next
            state.next += 1
            state.entries[id] = Entry(eventLoop: eventLoop, terminate: terminate, user: nil, end: nil)
            return id
        }
    }

    func remove(_ id: Int) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }

    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Records who the session is once authenticated, and how to end it with a message.
    func authenticated(_ id: Int, user: ClientUser, end: @escaping @Sendable (String) -> Void) {
        state.withLockedValue { state in
            state.entries[id]?.user = user
            state.entries[id]?.end = end
        }
    }

    /// Ends every session of `user` with FATAL 57P01 and `message`; returns how many.
    @discardableResult
    func end(user: ClientUser, message: String) -> Int {
        let matching = state.withLockedValue { state in
            state.entries.values.filter { $0.user == user }
        }
        for entry in matching {
            if let end = entry.end { entry.eventLoop.execute { end(message) } }
        }
        return matching.count
    }

    /// How many event loops serve at least one session (pitfalls.md: a
    /// pooler that cannot use more than one core).
    var eventLoopsInUse: Int {
        state.withLockedValue { Set($0.entries.values.map { ObjectIdentifier($0.eventLoop) }).count }
    }

    func count(of user: ClientUser) -> Int {
        state.withLockedValue { $0.entries.values.filter { $0.user == user }.count }
    }

    func terminateAll() {
        let entries = state.withLockedValue { Array($0.entries.values) }
        for entry in entries {
            entry.eventLoop.execute { entry.terminate() }
        }
    }
}
